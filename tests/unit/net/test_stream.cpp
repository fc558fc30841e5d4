// net::Stream against an in-process TLS server whose CA and certificate the test makes itself:
// the certificate checks a client must make (trusted CA, host name or IP address), and what a
// server that does not speak TLS, hangs up or stays silent turns into.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "net/stream.hpp"
#include "support/sockets.hpp"

namespace streamlab::net {
namespace {

using namespace std::chrono_literals;
using testing::Fd;
using testing::Listener;

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key new_key() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

// A certificate for `name`, signed by `issuer_key` (itself when issuer is null: a CA).
Cert new_cert(EVP_PKEY* key, const std::string& name, X509* issuer, EVP_PKEY* issuer_key, const char* san) {
  Cert c(X509_new(), X509_free);
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), static_cast<long>(std::hash<std::string>{}(name)&0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600);
  X509_set_pubkey(c.get(), key);
  X509_NAME* subject = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(c.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : c.get(), c.get(), nullptr, nullptr, 0);
  const auto extend = [&](int nid, const char* value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(c.get(), e, -1);
    X509_EXTENSION_free(e);
  };
  if (issuer == nullptr) {
    extend(NID_basic_constraints, "critical,CA:TRUE");
    extend(NID_key_usage, "critical,keyCertSign");
  } else {
    extend(NID_subject_alt_name, san);
  }
  X509_sign(c.get(), issuer_key, EVP_sha256());
  return c;
}

// A CA, written to a PEM file, and a server certificate it signed.
struct Pki {
  Key ca_key = new_key();
  Cert ca;
  Key server_key = new_key();
  Cert server;
  std::string ca_file;

  explicit Pki(const char* san, const std::string& tag)
      : ca(new_cert(ca_key.get(), "test CA " + tag, nullptr, ca_key.get(), nullptr)),
        server(new_cert(server_key.get(), "server", ca.get(), ca_key.get(), san)),
        ca_file((std::filesystem::temp_directory_path() /
                 ("streamlab-test-ca-" + tag + "-" + std::to_string(::getpid()) + ".pem"))
                    .string()) {
    FILE* f = std::fopen(ca_file.c_str(), "w");
    PEM_write_X509(f, ca.get());
    std::fclose(f);
  }
  ~Pki() { std::filesystem::remove(ca_file); }
};

// Serves one connection on a thread with `serve(fd)`.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(int)> serve) {
    testing::cap_waits(listener_.fd(), 10s);
    thread_ = std::thread([this, serve = std::move(serve)] {
      // A write to a client gone (TLS 1.3's session tickets, after a probe) must not kill the test.
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      Fd c = listener_.accept();
      if (c.get() >= 0) {
        testing::cap_waits(c.get(), 10s);
        serve(c.get());
      }
    });
  }
  ~OneShotServer() { thread_.join(); }
  std::uint16_t port() const { return listener_.port(); }

 private:
  Listener listener_;
  std::thread thread_;
};

// TLS on `fd` with `pki`'s server certificate; echoes what it reads until the client closes.
void tls_echo(const Pki& pki, int fd) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX_use_certificate(ctx.get(), pki.server.get());
  SSL_CTX_use_PrivateKey(ctx.get(), pki.server_key.get());
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  if (SSL_accept(ssl.get()) != 1) return;
  char buffer[256];
  for (;;) {
    const int n = SSL_read(ssl.get(), buffer, sizeof buffer);
    if (n <= 0) return;
    SSL_write(ssl.get(), buffer, n);
  }
}

std::string round_trip(Stream& s, const std::string& text) {
  const auto deadline = Clock::now() + 5s;
  s.send(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), deadline);
  std::string got(text.size(), '\0');
  s.receive_exact(reinterpret_cast<std::uint8_t*>(got.data()), got.size(), deadline);
  return got;
}

template <typename E>
std::string failure(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error of the expected kind";
  return "";
}

constexpr const char* kSan = "DNS:localhost,IP:127.0.0.1";

TEST(NetStream, TlsToACertificateThatNamesTheAddressDialled) {
  const Pki pki(kSan, "ok");
  for (const char* host : {"127.0.0.1", "localhost"}) {
    OneShotServer server([&](int fd) { tls_echo(pki, fd); });
    Stream s(host, server.port(), TlsOptions{true, pki.ca_file}, 5s);
    EXPECT_TRUE(s.encrypted());
    EXPECT_EQ(round_trip(s, std::string(100'000, 'x')), std::string(100'000, 'x')) << host;
  }
}

TEST(NetStream, ACertificateOfAnotherCaIsRefused) {
  const Pki pki(kSan, "server");
  const Pki other(kSan, "other");
  OneShotServer server([&](int fd) { tls_echo(pki, fd); });
  const std::string why = failure<TlsError>([&] {
    Stream("127.0.0.1", server.port(), TlsOptions{true, other.ca_file}, 5s);
  });
  EXPECT_NE(why.find("not trusted"), std::string::npos) << why;
  EXPECT_NE(why.find(other.ca_file), std::string::npos) << why;
}

TEST(NetStream, ACertificateForAnotherHostIsRefused) {
  const Pki pki("DNS:db.example", "name");
  OneShotServer server([&](int fd) { tls_echo(pki, fd); });
  const std::string why = failure<TlsError>([&] {
    Stream("127.0.0.1", server.port(), TlsOptions{true, pki.ca_file}, 5s);
  });
  EXPECT_NE(why.find("not trusted"), std::string::npos) << why;
}

TEST(NetStream, AServerThatAnswersInPlainTextIsATlsError) {
  OneShotServer server([](int fd) {
    char hello[512];
    (void)::recv(fd, hello, sizeof hello, 0);
    const std::string reply = "-ERR unknown command\r\n";
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  });
  const std::string why = failure<TlsError>([&] { Stream("127.0.0.1", server.port(), TlsOptions{true, ""}, 5s); });
  EXPECT_NE(why.find("speak TLS"), std::string::npos) << why;
}

TEST(NetStream, AServerThatHangsUpInTheHandshakeMayBeRetried) {
  OneShotServer server([](int) {});
  const std::string why = failure<IoError>([&] { Stream("127.0.0.1", server.port(), TlsOptions{true, ""}, 5s); });
  EXPECT_NE(why.find("closed in the TLS handshake"), std::string::npos) << why;
}

TEST(NetStream, ASilentServerTimesTheHandshakeOut) {
  Listener silent;  // accepts (the kernel's backlog) and never answers
  const auto started = Clock::now();
  const std::string why = failure<IoError>([&] { Stream("127.0.0.1", silent.port(), TlsOptions{true, ""}, 300ms); });
  EXPECT_NE(why.find("timed out in the TLS handshake"), std::string::npos) << why;
  EXPECT_LT(Clock::now() - started, 5s);
}

TEST(NetStream, AnUnreadableCaFileIsATlsError) {
  OneShotServer server([](int) {});
  const std::string why = failure<TlsError>([&] {
    Stream("127.0.0.1", server.port(), TlsOptions{true, "/nonexistent/ca.pem"}, 5s);
  });
  EXPECT_NE(why.find("cannot read the CA file '/nonexistent/ca.pem'"), std::string::npos) << why;
}

TEST(NetStream, PlainTcpEchoesAndReportsTheClose) {
  OneShotServer server([](int fd) {
    char buffer[64];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) (void)::send(fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL);
  });
  Stream s("127.0.0.1", server.port(), TlsOptions{}, 5s);
  EXPECT_FALSE(s.encrypted());
  EXPECT_EQ(round_trip(s, "ping"), "ping");
  std::uint8_t byte = 0;
  const std::string why = failure<IoError>([&] { s.receive_some(&byte, 1, Clock::now() + 5s); });
  EXPECT_EQ(why, "connection closed by the server");
}

TEST(NetStream, NothingListeningIsAnIoError) {
  std::uint16_t port = 0;
  {
    const Listener gone;
    port = gone.port();
  }
  const std::string why = failure<IoError>([&] { Stream("127.0.0.1", port, TlsOptions{}, 2s); });
  EXPECT_NE(why.find("cannot connect"), std::string::npos) << why;
}

// TLS on `fd`; `after` then runs with the session (the server's side of the tests below).
void tls_session(const Pki& pki, int fd, bool want_client_certificate, const std::function<void(SSL*)>& after) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX_use_certificate(ctx.get(), pki.server.get());
  SSL_CTX_use_PrivateKey(ctx.get(), pki.server_key.get());
  if (want_client_certificate)
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  if (SSL_accept(ssl.get()) == 1) after(ssl.get());
}

TEST(NetStream, ATlsServerThatHangsUpIsAClosedConnection) {
  const Pki pki(kSan, "close");
  OneShotServer server([&](int fd) { tls_session(pki, fd, false, [](SSL*) {}); });  // closes without close_notify
  Stream s("127.0.0.1", server.port(), TlsOptions{true, pki.ca_file}, 5s);
  std::uint8_t byte = 0;
  const std::string why = failure<IoError>([&] { s.receive_some(&byte, 1, Clock::now() + 5s); });
  EXPECT_EQ(why, "connection closed by the server");
}

TEST(NetStream, AServerThatWantsAClientCertificateIsATlsError) {
  const Pki pki(kSan, "mtls");
  // TLS 1.3: the client's handshake ends before the server has checked it; the refusal comes as
  // an alert on the first read.
  OneShotServer server([&](int fd) { tls_session(pki, fd, true, [](SSL*) {}); });
  const std::string why = failure<TlsError>([&] {
    Stream s("127.0.0.1", server.port(), TlsOptions{true, pki.ca_file}, 5s);
    std::uint8_t byte = 0;
    s.receive_some(&byte, 1, Clock::now() + 5s);
  });
  EXPECT_NE(why.find("certificate"), std::string::npos) << why;
}

TEST(NetStream, SpeaksTlsTellsATlsPortFromOneThatHangsUp) {
  const Pki pki(kSan, "probe");
  {
    OneShotServer tls([&](int fd) { tls_echo(pki, fd); });
    EXPECT_TRUE(speaks_tls("127.0.0.1", tls.port(), 5s));  // whatever CA signed its certificate
  }
  {
    OneShotServer hangs_up([](int) {});
    EXPECT_FALSE(speaks_tls("127.0.0.1", hangs_up.port(), 5s));
  }
  std::uint16_t port = 0;
  {
    const Listener gone;
    port = gone.port();
  }
  EXPECT_FALSE(speaks_tls("127.0.0.1", port, 1s));
}

}  // namespace
}  // namespace streamlab::net
