package streamlab.bench;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.Cache;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteDataStreamer;
import org.apache.ignite.Ignition;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.QueryEntity;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.internal.IgniteVersionUtils;
import org.apache.ignite.internal.binary.BinaryObjectImpl;
import org.apache.ignite.logger.java.JavaLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/**
 * Ignite's own Java clients storing the rows a streamlab Ignite sink stored, for `streamlab bench`'s
 * sink-ignite-* baselines.
 *
 * <p>The rows of streamlab's table (--source) are read first, not timed, as the binary objects the
 * node holds: the very keys and values the sink wrote (its type names, fields, field types and
 * bytes). Then, timed, they are stored again into a fresh table made like the source (its columns,
 * key, key and value types, template, backups, write synchronisation and atomicity, read from the
 * source cache's configuration), which is dropped afterwards:
 *
 * <ul>
 *   <li>through the thin client (IgniteClient, the binary client protocol streamlab speaks),
 *       ClientCache.putAll of --batch rows at a time, one request after the other, as the sink
 *       does;
 *   <li>with --streamer, through the data streamer (IgniteDataStreamer with its defaults), which
 *       Ignite 2.x offers only on a node: a client node joins the cluster through its discovery
 *       port (--discovery), for that line only.
 * </ul>
 *
 * <p>Each prints one line of JSON on stdout: {"mode":"putall"|"streamer","rows":N,"seconds":S,
 * "rows_per_s":R,...}, or {"mode":...,"error":"..."}; Ignite's own logging goes to stderr. The
 * fresh tables are dropped afterwards. A password is read from $STREAMLAB_IGNITE_PASSWORD, never
 * from the command line. Exit 0 when the putAll line has a figure, 1 when it failed, 2 for bad
 * arguments.
 */
public final class IgniteBaseline {
  private static final String USAGE =
      "usage: ignite-baseline --addresses HOST:PORT[,HOST:PORT...] --source TABLE --put-table TABLE --rows N\n"
          + "         [--batch ROWS] [--user USER] [--tls] [--cacert PEM]\n"
          + "         [--streamer --stream-table TABLE --discovery HOST:PORT[..PORT][,...] [--local-host HOST]]\n"
          + "  the password of --user comes from $STREAMLAB_IGNITE_PASSWORD";

  private static final List<String> VALUED = List.of("--addresses", "--source", "--put-table", "--stream-table",
      "--rows", "--batch", "--user", "--cacert", "--discovery", "--local-host");

  /** The command line. */
  static final class Options {
    List<String> addresses = new ArrayList<>();
    String source, putTable, streamTable, user, cacert, localHost;
    long rows = -1;
    int batch = 1000;
    boolean tls, streamer;
    List<String> discovery = new ArrayList<>();

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; ++i) {
        String a = args[i];
        switch (a) {
          case "--tls" -> o.tls = true;
          case "--streamer" -> o.streamer = true;
          default -> {
            if (!VALUED.contains(a)) throw new IllegalArgumentException("unknown option " + a);
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            switch (a) {
              case "--addresses" -> o.addresses = Arrays.asList(v.split(","));
              case "--source" -> o.source = v;
              case "--put-table" -> o.putTable = v;
              case "--stream-table" -> o.streamTable = v;
              case "--rows" -> o.rows = Long.parseLong(v);
              case "--batch" -> o.batch = Integer.parseInt(v);
              case "--user" -> o.user = v;
              case "--cacert" -> {
                o.cacert = v;
                o.tls = true;
              }
              case "--discovery" -> o.discovery = Arrays.asList(v.split(","));
              case "--local-host" -> o.localHost = v;
              default -> throw new IllegalStateException(a);
            }
          }
        }
      }
      if (o.addresses.isEmpty() || o.source == null || o.putTable == null || o.rows < 0)
        throw new IllegalArgumentException("--addresses, --source, --put-table and --rows are required");
      if (o.batch < 1) throw new IllegalArgumentException("--batch must be at least 1");
      if (o.streamer && (o.streamTable == null || o.discovery.isEmpty()))
        throw new IllegalArgumentException("--streamer needs --stream-table and --discovery");
      for (String t : new String[] {o.source, o.putTable, o.streamTable}) {
        if (t != null && !t.matches("[A-Za-z_][A-Za-z0-9_]*"))
          throw new IllegalArgumentException("'" + t + "' is not an SQL table name");
      }
      return o;
    }
  }

  /** SQL column type of a QueryEntity field's Java class name. */
  static String sqlType(String javaClass) {
    return switch (javaClass) {
      case "java.lang.String" -> "VARCHAR";
      case "java.lang.Integer", "int" -> "INT";
      case "java.lang.Long", "long" -> "BIGINT";
      case "java.lang.Short", "short" -> "SMALLINT";
      case "java.lang.Byte", "byte" -> "TINYINT";
      case "java.lang.Boolean", "boolean" -> "BOOLEAN";
      case "java.lang.Double", "double" -> "DOUBLE";
      case "java.lang.Float", "float" -> "REAL";
      case "java.sql.Timestamp" -> "TIMESTAMP";
      case "java.sql.Date" -> "DATE";
      case "java.util.UUID" -> "UUID";
      case "[B" -> "VARBINARY";
      default -> throw new IllegalStateException("column of Java type " + javaClass + " is not copied by this baseline");
    };
  }

  /** A table's rows as the binary objects the node holds (their bytes as stored). */
  static final class Rows {
    final List<BinaryObject> keys = new ArrayList<>(), values = new ArrayList<>();
    long bytes;  // of the keys and values

    int size() {
      return keys.size();
    }
  }

  static int length(BinaryObject o) {
    return o instanceof BinaryObjectImpl b ? b.length() : 0;
  }

  static Rows read(Iterable<Cache.Entry<Object, Object>> cursor) {
    Rows rows = new Rows();
    for (Cache.Entry<Object, Object> e : cursor) {
      if (!(e.getKey() instanceof BinaryObject k) || !(e.getValue() instanceof BinaryObject v))
        throw new IllegalStateException("the source holds a row whose key or value is not a binary object");
      rows.keys.add(k);
      rows.values.add(v);
      rows.bytes += length(k) + length(v);
    }
    return rows;
  }

  /**
   * CREATE TABLE for a fresh table made like the source: its columns (in the source's order), its
   * primary key, its key and value type names, and its cache settings. Ignite's DDL takes these as
   * the parameters of WITH.
   */
  static String createLike(ClientCacheConfiguration cfg, String table) {
    QueryEntity[] entities = cfg.getQueryEntities();
    if (entities == null || entities.length != 1)
      throw new IllegalStateException("the source cache " + cfg.getName() + " is not one SQL table");
    QueryEntity qe = entities[0];
    StringBuilder sql = new StringBuilder("CREATE TABLE ").append(table).append(" (");
    for (Map.Entry<String, String> f : qe.getFields().entrySet())
      sql.append(f.getKey()).append(' ').append(sqlType(f.getValue())).append(", ");
    if (qe.getKeyFields() == null || qe.getKeyFields().isEmpty())
      throw new IllegalStateException("the source table has no composite primary key");
    List<String> key = new ArrayList<>();
    for (String f : qe.getFields().keySet()) if (qe.getKeyFields().contains(f)) key.add(f);
    sql.append("PRIMARY KEY (").append(String.join(", ", key)).append(")) WITH \"");
    sql.append("template=").append(cfg.getCacheMode() == CacheMode.REPLICATED ? "replicated" : "partitioned");
    sql.append(",backups=").append(cfg.getBackups());
    sql.append(",write_synchronization_mode=").append(cfg.getWriteSynchronizationMode().name().toLowerCase(Locale.ROOT));
    sql.append(",atomicity=").append(cfg.getAtomicityMode().name().toLowerCase(Locale.ROOT));
    sql.append(",cache_name=").append(table);
    sql.append(",key_type=").append(qe.getKeyType()).append(",value_type=").append(qe.getValueType());
    return sql.append('"').toString();
  }

  /** What a table made by createLike must share with the source, or why it does not. */
  static void checkLike(ClientCacheConfiguration source, ClientCacheConfiguration made) {
    if (source.getCacheMode() != made.getCacheMode() || source.getBackups() != made.getBackups()
        || source.getWriteSynchronizationMode() != made.getWriteSynchronizationMode()
        || source.getAtomicityMode() != made.getAtomicityMode())
      throw new IllegalStateException("table " + made.getName() + " was not made like " + source.getName());
  }

  static long count(IgniteClient client, String table) {
    List<List<?>> r = client.query(new SqlFieldsQuery("SELECT COUNT(*) FROM " + table).setSchema("PUBLIC")).getAll();
    return ((Number) r.get(0).get(0)).longValue();
  }

  static void sql(IgniteClient client, String statement) {
    client.query(new SqlFieldsQuery(statement).setSchema("PUBLIC")).getAll();
  }

  static SSLContext trusting(String pem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    try (InputStream in = Files.newInputStream(Path.of(pem))) {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
    }
    if (i == 0) throw new IllegalArgumentException("--cacert " + pem + " holds no certificate");
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static ClientConfiguration clientConfiguration(Options o) throws Exception {
    ClientConfiguration cfg = new ClientConfiguration().setAddresses(o.addresses.toArray(new String[0])).setTimeout(120_000);
    if (o.user != null) {
      String password = System.getenv("STREAMLAB_IGNITE_PASSWORD");
      cfg.setUserName(o.user).setUserPassword(password == null ? "" : password);
    }
    if (o.tls) {
      cfg.setSslMode(SslMode.REQUIRED);
      // The chain is checked against the CA file (or the JDK's CAs); Ignite's thin client makes its
      // TLS engine without the peer's name, so the host name is not.
      SSLContext ctx = o.cacert != null ? trusting(o.cacert) : SSLContext.getDefault();
      cfg.setSslContextFactory(() -> ctx);
    }
    return cfg;
  }

  static String line(String mode, long rows, double seconds, String extra) {
    return String.format(Locale.ROOT,
        "{\"mode\":\"%s\",\"ignite\":\"%s\",\"rows\":%d,\"seconds\":%.6f,\"rows_per_s\":%.1f%s}", mode,
        IgniteVersionUtils.VER_STR, rows, seconds, seconds > 0 ? rows / seconds : 0.0, extra);
  }

  static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** The failure and, when it wraps another, the innermost cause (what went wrong at the bottom). */
  static String errorLine(String mode, Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String m = root == e ? describe(e) : describe(e) + " <- " + describe(root);
    StringBuilder s = new StringBuilder();
    for (char c : m.toCharArray()) {
      if (c == '"' || c == '\\') s.append('\\').append(c);
      else if (c < 0x20) s.append(' ');
      else s.append(c);
    }
    return "{\"mode\":\"" + mode + "\",\"error\":\"" + s + "\"}";
  }

  /** The thin client's putAll of every row into a fresh table, --batch rows a request, one after the other. */
  static String putAll(IgniteClient client, Options o, ClientCacheConfiguration sourceCfg, Rows rows) {
    int n = rows.size();
    sql(client, "DROP TABLE IF EXISTS " + o.putTable);
    sql(client, createLike(sourceCfg, o.putTable));
    try {
      ClientCache<Object, Object> dest = client.cache(o.putTable).withKeepBinary();
      checkLike(sourceCfg, dest.getConfiguration());
      long start = System.nanoTime();
      for (int i = 0; i < n; i += o.batch) {
        int end = Math.min(n, i + o.batch);
        Map<Object, Object> batch = new LinkedHashMap<>(2 * (end - i));
        for (int j = i; j < end; ++j) batch.put(rows.keys.get(j), rows.values.get(j));
        dest.putAll(batch);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long stored = count(client, o.putTable);
      if (stored != n) throw new IllegalStateException("SELECT COUNT(*) found " + stored + " rows of " + n);
      return line("putall", n, seconds, ",\"batch\":" + o.batch + ",\"bytes\":" + rows.bytes);
    } finally {
      sql(client, "DROP TABLE IF EXISTS " + o.putTable);
    }
  }

  /**
   * A client node joining the cluster through discovery, which reads the source's rows again (not
   * timed) and streams them into a fresh table through IgniteDataStreamer with its defaults.
   */
  static String streamer(IgniteClient client, Options o, ClientCacheConfiguration sourceCfg) throws Exception {
    sql(client, "DROP TABLE IF EXISTS " + o.streamTable);
    sql(client, createLike(sourceCfg, o.streamTable));
    Path work = Files.createTempDirectory("ignite-baseline-");
    try {
      TcpDiscoverySpi discovery = new TcpDiscoverySpi();
      discovery.setIpFinder(new TcpDiscoveryVmIpFinder().setAddresses(o.discovery));
      discovery.setJoinTimeout(30_000);
      TcpCommunicationSpi communication = new TcpCommunicationSpi();
      // Server nodes connect to a client node's communication port: away from the local nodes'
      // ranges (47100.. and 47200..).
      communication.setLocalPort(47150);
      communication.setLocalPortRange(40);
      IgniteConfiguration cfg = new IgniteConfiguration()
          .setIgniteInstanceName("streamlab-ignite-baseline-" + ProcessHandle.current().pid())
          .setClientMode(true)
          .setPeerClassLoadingEnabled(false)
          .setMetricsLogFrequency(0)
          .setWorkDirectory(work.toString())
          .setGridLogger(new JavaLogger())
          .setDiscoverySpi(discovery)
          .setCommunicationSpi(communication)
          .setClientConnectorConfiguration(null)
          .setConnectorConfiguration(null);
      if (o.localHost != null) cfg.setLocalHost(o.localHost);
      try (Ignite node = Ignition.start(cfg)) {
        Rows rows;
        try (QueryCursor<Cache.Entry<Object, Object>> cursor =
                 node.cache(o.source).withKeepBinary().query(new ScanQuery<>().setPageSize(5000))) {
          rows = read(cursor);
        }
        int n = rows.size();
        if (n != o.rows) throw new IllegalStateException("the client node read " + n + " rows, not " + o.rows);
        long start = System.nanoTime();
        try (IgniteDataStreamer<Object, Object> st = node.dataStreamer(o.streamTable)) {
          st.keepBinary(true);
          for (int j = 0; j < n; ++j) st.addData(rows.keys.get(j), rows.values.get(j));
        }  // close() flushes and waits for every batch
        double seconds = (System.nanoTime() - start) / 1e9;
        long stored = count(client, o.streamTable);
        if (stored != n) throw new IllegalStateException("SELECT COUNT(*) found " + stored + " rows of " + n);
        return line("streamer", n, seconds, "");
      }
    } finally {
      sql(client, "DROP TABLE IF EXISTS " + o.streamTable);
      try (var files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  public static void main(String[] args) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ignite-baseline: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return;
    }
    // Ignite logs through java.util.logging: warnings and worse, on stderr.
    Logger.getLogger("").setLevel(Level.WARNING);
    System.setProperty("IGNITE_QUIET", "true");
    System.setProperty("IGNITE_NO_ASCII", "true");
    System.setProperty("IGNITE_UPDATE_NOTIFIER", "false");
    System.setProperty("IGNITE_PERFORMANCE_SUGGESTIONS_DISABLED", "true");
    // A node prints some lines to stdout even in quiet mode: the result lines go to the real
    // stdout, everything else to stderr.
    PrintStream results = System.out;
    System.setOut(System.err);
    int rc = 0;
    try (IgniteClient client = Ignition.startClient(clientConfiguration(o))) {
      if (!client.cacheNames().contains(o.source))
        throw new IllegalStateException("no table " + o.source + " (a cache of that name) in this cluster");
      ClientCache<Object, Object> source = client.cache(o.source).withKeepBinary();
      ClientCacheConfiguration sourceCfg = source.getConfiguration();
      Rows rows;
      try (QueryCursor<Cache.Entry<Object, Object>> cursor = source.query(new ScanQuery<>().setPageSize(5000))) {
        rows = read(cursor);
      }
      if (rows.size() != o.rows)
        throw new IllegalStateException("table " + o.source + " holds " + rows.size() + " rows, not " + o.rows);
      if (rows.size() == 0) throw new IllegalStateException("table " + o.source + " is empty");
      try {
        results.println(putAll(client, o, sourceCfg, rows));
      } catch (Exception e) {
        results.println(errorLine("putall", e));
        rc = 1;
      }
      results.flush();
      rows = null;  // the client node reads its own copy
      if (o.streamer) {
        try {
          results.println(streamer(client, o, sourceCfg));
        } catch (Exception e) {
          results.println(errorLine("streamer", e));
        }
      }
    } catch (Exception e) {
      results.println(errorLine("putall", e));
      rc = 1;
    }
    results.flush();
    System.exit(rc);
  }
}
