#pragma once
// The synthetic stream's words. The lab filtered the live stream by its keywords and by es/en,
// so every post carries at least one keyword; the rest of the words make the texts read
// plausibly and vary in length and in bytes per character (accents, ñ, emoji).

#include <string_view>

namespace streamlab::sources::synthetic {

using std::string_view;

enum class Lang { Es, En, Pt, Fr, Und };

inline constexpr string_view lang_code(Lang lang) {
  switch (lang) {
    case Lang::Es: return "es";
    case Lang::En: return "en";
    case Lang::Pt: return "pt";
    case Lang::Fr: return "fr";
    case Lang::Und: return "und";
  }
  return "und";
}

inline constexpr string_view kKeywordsEs[] = {"Chile", "Santiago", "Fútbol", "Música", "porque",
                                              "es",    "eso",      "hay",    "EEUU"};
inline constexpr string_view kKeywordsEn[] = {"sport", "sports", "why", "you", "me", "yes", "no", "Chile", "Santiago"};

inline constexpr string_view kWordsEs[] = {
    "el",      "la",         "los",        "las",     "que",        "de",      "en",     "y",         "a",
    "un",      "una",        "por",        "con",     "para",       "no",      "sí",     "más",       "muy",
    "hoy",     "mañana",     "ayer",       "todo",    "nada",       "siempre", "nunca",  "también",   "aquí",
    "ahora",   "bien",       "mejor",      "gran",    "partido",    "gol",     "equipo", "selección", "concierto",
    "canción", "ciudad",     "gente",      "vida",    "amor",       "día",     "noche",  "semana",    "año",
    "tiempo",  "país",       "mundo",      "casa",    "trabajo",    "clase",   "metro",  "calor",     "frío",
    "lluvia",  "Valparaíso", "Concepción", "estadio", "cancha",     "jugó",    "ganó",   "perdió",    "está",
    "qué",     "cómo",       "dónde",      "vamos",   "\"golazo\"", "&amp;",   "&lt;3",  "increíble", "feliz",
    "nunca",   "mismo",      "otra",       "vez",     "fin",
};
inline constexpr string_view kWordsEn[] = {
    "the",      "a",      "to",      "and",      "of",    "in",    "is",    "it",       "that",    "this",    "with",
    "for",      "on",     "at",      "game",     "team",  "music", "song",  "concert",  "city",    "people",  "life",
    "love",     "day",    "night",   "week",     "year",  "time",  "today", "tomorrow", "great",   "new",     "best",
    "good",     "really", "so",      "just",     "can't", "don't", "I'm",   "what",     "when",    "where",   "how",
    "football", "soccer", "win",     "lost",     "match", "watch", "live",  "tonight",  "weekend", "friends", "family",
    "happy",    "crazy",  "amazing", "\"epic\"", "&amp;", "&lt;3", "never", "again",
};
inline constexpr string_view kWordsPt[] = {"que",    "não",  "muito", "hoje",   "amanhã", "jogo",    "time",
                                           "música", "vida", "amor",  "cidade", "você",   "obrigado"};
inline constexpr string_view kWordsFr[] = {"le",    "la",      "les",   "et",          "pour", "avec",  "très",
                                           "match", "musique", "ville", "aujourd'hui", "ça",   "génial"};

inline constexpr string_view kHashtagsEs[] = {"Chile",  "Santiago",    "Fútbol",     "Música", "EEUU",
                                              "LaRoja", "CopaAmérica", "Valparaíso", "Lolla",  "FelizDomingo"};
inline constexpr string_view kHashtagsEn[] = {"sports",     "sport",         "music", "WorldCup", "NBA",
                                              "NowPlaying", "FridayFeeling", "Chile", "why",      "TBT"};

// For posts of no words (lang "und"): the keyword that made the filter match.
inline constexpr string_view kKeywordHashtags[] = {"Chile", "Santiago", "Fútbol", "Música",
                                                   "EEUU",  "sport",    "sports", "why"};

inline constexpr string_view kEmoji[] = {"😂", "❤️", "😍",        "⚽", "🎶", "🇨🇱", "🔥", "👏", "🙌",
                                         "😭", "🤔",   "👍🏽", "🎸", "🏀", "😎",  "✨", "🇺🇸"};

struct Link {
  string_view expanded;
  string_view display;
};
inline constexpr Link kLinks[] = {
    {"https://www.emol.com/noticias/Deportes/2019/05/01/945612/la-roja.html", "emol.com/noticias/Depor…"},
    {"https://www.latercera.com/el-deportivo/noticia/colo-colo-vs-u/645123/", "latercera.com/el-deportivo/…"},
    {"https://open.spotify.com/track/3n3Ppam7vgaVa1iaRUc9Lp", "open.spotify.com/track/3n3Ppam…"},
    {"https://www.youtube.com/watch?v=kJQP7kiw5Fk", "youtube.com/watch?v=kJQP7k…"},
    {"https://www.espn.com/soccer/report?gameId=541234", "espn.com/soccer/report…"},
    {"https://www.instagram.com/p/BwxQ1aBnE7c/", "instagram.com/p/BwxQ1aBnE7c/"},
    {"https://www.biobiochile.cl/noticias/nacional/region-metropolitana/2019/05/01/santiago.shtml",
     "biobiochile.cl/noticias/naci…"},
    {"https://www.bbc.com/sport/football/48112231", "bbc.com/sport/football/…"},
};

// Already JSON-escaped, as they are written.
inline constexpr string_view kClients[] = {
    R"(<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>)",
    R"(<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>)",
    R"(<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>)",
    R"(<a href=\"http://twitter.com\" rel=\"nofollow\">Twitter Web Client</a>)",
    R"(<a href=\"https://about.twitter.com/products/tweetdeck\" rel=\"nofollow\">TweetDeck</a>)",
};

inline constexpr string_view kFirstNames[] = {
    "María",     "José",      "Camila",  "Javiera", "Catalina", "Valentina", "Matías",   "Benjamín",
    "Sebastián", "Francisca", "Ignacio", "Diego",   "Sofía",    "Tomás",     "Fernanda", "Cristóbal",
    "Emily",     "James",     "Olivia",  "Michael", "Sarah",    "David",     "Jessica",  "Chris",
    "Ashley",    "Ryan",      "Megan",   "Josh",    "Lauren",   "Kevin",     "Hannah",   "Tyler"};
inline constexpr string_view kLastNames[] = {"González",  "Muñoz",   "Rojas",    "Díaz",      "Pérez",    "Soto",
                                             "Contreras", "Silva",   "Martínez", "Sepúlveda", "Morales",  "Rodríguez",
                                             "López",     "Fuentes", "Smith",    "Johnson",   "Williams", "Brown",
                                             "Jones",     "Miller",  "Davis",    "Wilson",    "Taylor",   "Clark"};
inline constexpr string_view kLocations[] = {
    "Santiago, Chile", "Valparaíso",      "Concepción, Chile", "Chile",     "Viña del Mar",
    "Temuco",          "Antofagasta",     "Buenos Aires",      "Ñuñoa",     "New York, NY",
    "London",          "Los Angeles, CA", "Texas, USA",        "Miami, FL", "Madrid, España"};

inline constexpr char kAlphanumeric[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace streamlab::sources::synthetic
