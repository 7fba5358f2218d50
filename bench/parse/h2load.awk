# Turns h2load's output into the bench's JSON line for one scenario.
# Variables (awk -v): scenario, conns (h2load's -c), streams (its -m), p50_us and p99_us (from its
# --log-file, empty when there is none), cpu_ms (the proxy's CPU over the run, empty when not
# measured). Operations are h2load's "succeeded" (2xx and 3xx answers); errors its "failed", which
# takes in 4xx and 5xx answers, resets and timeouts.
# h2load writes durations as 220us, 15.24ms, 1.14s.
function us(v) {
  if (v ~ /us$/) return v + 0;
  if (v ~ /ms$/) return v * 1000;
  if (v ~ /s$/) return v * 1000000;
  return v + 0;
}
$1 == "finished" && $2 == "in" { v = $3; sub(/s,$/, "", v); seconds = v + 0 }
$1 == "requests:" {
  # requests: 216052 total, 216102 started, 216052 done, 216052 succeeded, 0 failed, 0 errored, 0 timeout
  for (i = 2; i < NF; i += 2) { k = $(i + 1); sub(/,$/, "", k); n[k] = $i + 0 }
  ops = n["succeeded"]; errors = n["failed"]
}
$1 == "time" && $2 == "for" && $3 == "request:" { max = us($5) }
END {
  if (ops == "" || seconds == "" || seconds <= 0) exit 1;
  cpu = (cpu_ms == "" ? "null" : cpu_ms);
  per = (cpu_ms == "" || ops == 0 ? "null" : sprintf("%.3f", cpu_ms * 1000 / ops));
  printf "{\"scenario\":\"%s\",\"connections\":%d,\"streams\":%d,\"ops\":%d,\"seconds\":%.3f,\"ops_per_s\":%.1f,", scenario, conns, streams, ops, seconds, ops / seconds;
  printf "\"p50_us\":%s,\"p99_us\":%s,\"max_us\":%s,\"errors\":%d,\"cpu_ms\":%s,\"cpu_us_per_op\":%s}\n", (p50_us == "" ? "null" : p50_us), (p99_us == "" ? "null" : p99_us), (max == "" ? "null" : max), errors, cpu, per;
}
