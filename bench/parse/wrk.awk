# Turns wrk's output (run with --latency) into the bench's JSON line for one scenario.
# Variables (awk -v): scenario, conns (wrk's -c), size (response body bytes), cpu_ms (the proxy's
# CPU over the run, empty when not measured).
# wrk writes latencies as 512.00us, 1.20ms, 1.01s, 1.00m and the run time as 5.00s or 1.00m.
function us(v) {
  if (v ~ /us$/) return v + 0;
  if (v ~ /ms$/) return v * 1000;
  if (v ~ /m$/) return v * 60000000;
  if (v ~ /s$/) return v * 1000000;
  return v + 0;
}
function secs(v) { if (v ~ /ms$/) return v / 1000; if (v ~ /m$/) return v * 60; return v + 0 }
$1 == "Latency" && NF >= 4 { max = us($4) }
$1 == "50%" { p50 = us($2) }
$1 == "99%" { p99 = us($2) }
$2 == "requests" && $3 == "in" { ops = $1; sub(/,$/, "", $4); seconds = secs($4) }
$1 == "Socket" && $2 == "errors:" { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
$1 == "Non-2xx" { errors += $5 }
$1 == "Requests/sec:" { rate = $2 }
END {
  if (ops == "" || rate == "") exit 1;
  cpu = (cpu_ms == "" ? "null" : cpu_ms);
  per = (cpu_ms == "" || ops == 0 ? "null" : sprintf("%.3f", cpu_ms * 1000 / ops));
  printf "{\"scenario\":\"%s\",\"connections\":%d,\"size\":%d,\"ops\":%d,\"seconds\":%.3f,\"ops_per_s\":%.1f,", scenario, conns, size, ops, seconds, rate;
  printf "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"errors\":%d,\"cpu_ms\":%s,\"cpu_us_per_op\":%s}\n", p50, p99, max, errors, cpu, per;
}
