# Turns the output of several `openssl s_time` clients run side by side (their logs one after
# the other) into the bench's JSON line for one scenario.
# Variables (awk -v): scenario, clients (how many ran), failed (how many exited with an error),
# seconds (the wall time from the first start to the last end), cpu_ms (the proxy's CPU over that
# time, empty when not measured).
# s_time prints one mark per connection: r when the session was resumed, * (or t) when it was a
# full handshake; then "N connections in T real seconds, B bytes read per connection".
/^[rt*23]+$/ { resumed += gsub(/r/, "r"); full += gsub(/[t*23]/, "x") }
/ connections in [0-9]+ real seconds, / { ops += $1; bytes += $1 * $(NF - 4); done++ }
/^ERROR/ { errors++ }
END {
  if (done == 0 || seconds == "" || seconds <= 0) exit 1;
  cpu = (cpu_ms == "" ? "null" : cpu_ms);
  per = (cpu_ms == "" || ops == 0 ? "null" : sprintf("%.3f", cpu_ms * 1000 / ops));
  printf "{\"scenario\":\"%s\",\"connections\":%d,\"ops\":%d,\"seconds\":%.3f,\"ops_per_s\":%.1f,", scenario, clients, ops, seconds, ops / seconds;
  printf "\"p50_us\":null,\"p99_us\":null,\"max_us\":null,\"errors\":%d,\"resumed\":%d,\"full\":%d,", errors + failed, resumed, full;
  printf "\"resumed_pct\":%.1f,\"bytes_per_conn\":%d,\"cpu_ms\":%s,\"cpu_us_per_op\":%s}\n", (resumed + full > 0 ? resumed * 100 / (resumed + full) : 0), (ops > 0 ? bytes / ops : 0), cpu, per;
}
