# The private certificate authority of secure mode (STREAMLAB_SECURE=1), made with openssl in
# .local/secure/ca/ (0700, keys 0600):
#   ca.key, ca.crt          the CA, which clients trust (`env` exports STREAMLAB_CA)
#   server.key, server.crt  the one certificate every secure server presents, signed by the CA,
#                           for DNS:localhost and IP:127.0.0.1 so a client verifies the host name
#                           whichever of the two it dials
#   untrusted-ca.crt        another CA that signed nothing here: a client given it instead of
#                           ca.crt must refuse the servers (the tests of certificate checking)
# Made once and reused; what is missing, expired or no longer signed by ca.crt is made again.
# Not a service: deploy/local/services sources it in secure mode and runs ca_make before starting
# any secure service.
# shellcheck shell=bash

readonly CA_DIR=$STATE/ca
readonly CA_CERT=$CA_DIR/ca.crt
readonly CA_KEY=$CA_DIR/ca.key
readonly CA_SERVER_CERT=$CA_DIR/server.crt
readonly CA_SERVER_KEY=$CA_DIR/server.key
readonly CA_UNTRUSTED_CERT=$CA_DIR/untrusted-ca.crt
readonly CA_DAYS=3650 CA_SERVER_DAYS=825

ca_install() { command -v openssl >/dev/null || apt_install openssl; }

# ca_openssl WHAT ARG...: openssl, quiet unless it fails (key generation prints rows of dots).
ca_openssl() {
  local what=$1 out
  shift
  out=$(openssl "$@" 2>&1) || { say "$out"; die "ca: openssl failed to make $what"; }
}

# ca_new_ca KEY CERT SUBJECT: a self-signed CA certificate (RSA 2048: every client here takes it,
# librdkafka, libpq, hiredis, Java, Python). KEY may be /dev/null: a CA whose key is thrown away.
ca_new_ca() {
  ca_openssl "$2" req -x509 -newkey rsa:2048 -nodes -keyout "$1" -out "$2" -days "$CA_DAYS" \
    -subj "/CN=$3" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# True if the server certificate is there, signed by the CA and valid for another day at least.
ca_server_valid() {
  [[ -s $CA_SERVER_KEY && -s $CA_SERVER_CERT ]] || return 1
  openssl verify -CAfile "$CA_CERT" "$CA_SERVER_CERT" >/dev/null 2>&1 || return 1
  openssl x509 -in "$CA_SERVER_CERT" -noout -checkend 86400 >/dev/null 2>&1
}

ca_make() {
  mkdir -p "$CA_DIR"
  chmod 700 "$CA_DIR"
  # umask 077: every key is 0600 from the moment it exists.
  (
    umask 077
    if [[ ! -s $CA_KEY || ! -s $CA_CERT ]] \
      || ! openssl x509 -in "$CA_CERT" -noout -checkend 86400 >/dev/null 2>&1; then
      say "ca: making the private CA in $CA_DIR"
      rm -f "$CA_SERVER_CERT"
      ca_new_ca "$CA_KEY.partial" "$CA_CERT.partial" "streamlab local CA"
      mv -f "$CA_KEY.partial" "$CA_KEY"
      mv -f "$CA_CERT.partial" "$CA_CERT"
    fi
    if ! ca_server_valid; then
      say "ca: making the servers' certificate (localhost, 127.0.0.1)"
      ca_openssl "$CA_SERVER_CERT" req -new -newkey rsa:2048 -nodes -keyout "$CA_SERVER_KEY.partial" \
        -subj /CN=localhost -out "$CA_DIR/server.csr"
      ca_openssl "$CA_SERVER_CERT" x509 -req -in "$CA_DIR/server.csr" -CA "$CA_CERT" -CAkey "$CA_KEY" \
        -days "$CA_SERVER_DAYS" -out "$CA_SERVER_CERT.partial" -extfile <(
          printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth"
        )
      rm -f "$CA_DIR/server.csr"
      mv -f "$CA_SERVER_KEY.partial" "$CA_SERVER_KEY"
      mv -f "$CA_SERVER_CERT.partial" "$CA_SERVER_CERT"
    fi
    if [[ ! -s $CA_UNTRUSTED_CERT ]]; then
      ca_new_ca /dev/null "$CA_UNTRUSTED_CERT.partial" "streamlab untrusted CA"
      mv -f "$CA_UNTRUSTED_CERT.partial" "$CA_UNTRUSTED_CERT"
    fi
  )
}

ca_env() { export_var STREAMLAB_CA "$CA_CERT"; }
