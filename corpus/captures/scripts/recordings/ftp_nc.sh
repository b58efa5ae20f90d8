# ftp_nc.sh - source it: ftp_start / ftp_data / ftp_wait, an FTP control session on 127.0.0.1:21
# and its passive data connection (127.0.0.1:40000) with OpenBSD nc, inside netns $NS, as in the
# VM scenarios (scripts/vm-scenarios.sh). The server's "227 Entering Passive Mode
# (127,0,0,1,156,64)" comes ~2 s after ftp_start; call ftp_data ~2.5 s after ftp_start.
NC=${NC:-nc}
ftp_start() {
  { printf '220 nfct-decode ftp\r\n'; sleep 1; printf '331 password please\r\n'; sleep 0.5
    printf '230 logged in\r\n'; sleep 0.5; printf '227 Entering Passive Mode (127,0,0,1,156,64)\r\n'
    sleep 4; printf '226 transfer done\r\n'; sleep 1; printf '221 bye\r\n'; sleep 0.5; } |
    ip netns exec "$NS" timeout 15 $NC -l 127.0.0.1 21 > "$T/ftp-srv.out" 2>&1 &
  FTPS=$!
  sleep 0.3
  { sleep 0.5; printf 'USER anonymous\r\n'; sleep 0.5; printf 'PASS nfct@\r\n'; sleep 0.5
    printf 'PASV\r\n'; sleep 5; printf 'QUIT\r\n'; sleep 1.5; } |
    ip netns exec "$NS" timeout 15 $NC 127.0.0.1 21 > "$T/ftp-cli.out" 2>&1 &
  FTPC=$!
}
ftp_data() {
  printf 'hello.txt\r\n' | ip netns exec "$NS" timeout 5 $NC -N -l 127.0.0.1 40000 > "$T/ftp-dsrv.out" 2>&1 &
  local d=$!
  sleep 0.3
  ip netns exec "$NS" timeout 4 $NC -N 127.0.0.1 40000 < /dev/null > "$T/ftp-data.out" 2>&1
  wait $d
}
ftp_wait() {
  wait $FTPC; wait $FTPS
  {
    echo "# --- FTP session (OpenBSD nc, not traced): client received:"
    tr -d '\r' < "$T/ftp-cli.out"
    echo "# --- server received:"
    tr -d '\r' < "$T/ftp-srv.out"
    echo "# --- data connection client received:"
    tr -d '\r' < "$T/ftp-data.out"
  } >> "$TXT"
}
