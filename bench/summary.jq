# Turns results.jsonl (read with jq -s) into the Markdown tables of summary.md.
# Arguments: $order (targets, space-separated, in table order), $scenarios (space-separated).

def median: sort | length as $n
  | if $n == 0 then null
    elif $n % 2 == 1 then .[($n - 1) / 2]
    else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;

def commas: if length <= 3 then . else (.[:-3] | commas) + "," + .[-3:] end;

# Integers with thousands separators from 10,000 up; small figures keep 1 or 2 decimals.
def num: if . == null then "–"
  elif . >= 100 then (round | tostring | if length >= 5 then commas else . end)
  elif . >= 10 then (. * 10 | round / 10 | tostring)
  else (. * 100 | round / 100 | tostring) end;

def two: (. * 100 | round) as $n
  | "\($n / 100 | floor).\($n % 100 | tostring | if length == 1 then "0" + . else . end)";

def spread(f): [.[] | f | select(. != null)]
  | if length == 0 then "–"
    elif length == 1 then (.[0] | num)
    else "\(median | num) (\(min | num)–\(max | num))" end;

def title: {
  "echo-64": "WebSocket echo, 64 B messages, 50 connections (messages/s)",
  "echo-4k": "WebSocket echo, 4 KiB messages, 50 connections (messages/s)",
  "rtt-64": "WebSocket round trip, 64 B messages, 1 connection (messages/s)",
  "wss-64": "WebSocket over TLS (wss://) echo, 64 B messages, 50 connections (messages/s)",
  "connect": "New WebSocket connections/s, 50 at a time (connect, upgrade, one echo, close)",
  "http": "HTTP keep-alive requests/s, wrk -t1 -c50 (3-byte response)",
  "idle": "Memory per idle WebSocket connection",
  "cold-start": "Cold start: from launching the process to its first proxied 200",
  "https": "HTTPS keep-alive requests/s, wrk -t1 -c50 over TLS (3-byte response)",
  "post-1k": "HTTP keep-alive POSTs/s with a 1 KiB body, wrk -t1 -c50",
  "gzip": "gzip: 16 KiB JSON responses/s, Accept-Encoding: gzip, wrk -t1 -c50 keep-alive (per KiB: of the uncompressed body)",
  "h2": "HTTP/2 over TLS requests/s, h2load 5 connections × 10 streams (3-byte response)",
  "tls-handshake": "New TLS connections/s, full handshakes (no session offered), one HTTP/1.0 GET each, 8 clients at a time",
  "tls-resume": "New TLS connections/s, each offering its client's first session, one HTTP/1.0 GET each, 8 clients at a time"
}[.] // .;

# Columns some scenarios add after the proxy's CPU per operation: their heads, and their cells
# for one target's successful rounds.
def extra_heads($name):
  if $name == "gzip" then ["proxy CPU µs/KiB", "bytes per response"]
  elif $name == "tls-handshake" or $name == "tls-resume" then ["resumed %"]
  else [] end;
def extra_cells($name):
  if $name == "gzip" then [spread(.cpu_us_per_kib), spread(.body_bytes)]
  elif $name == "tls-handshake" or $name == "tls-resume" then [spread(.resumed_pct)]
  else [] end;

def cells: map(" | " + .) | join("");

def short_error: tostring | .[0:160] | gsub("\\|"; "/") | gsub("\n"; " ");

. as $all
| ($order | split(" ")) as $targets
| ($scenarios | split(" "))[] as $name
| [$all[] | select(.name == $name)] as $rows
| if ($rows | length) == 0 then empty else
  "## \($name | title)\n",
  (if $name == "cold-start" then
     "| target | first 200 after (ms) | RSS then (kB) | CPU used by then (ms) | others' CPU % | rounds |",
     "|---|---:|---:|---:|---:|---:|",
     ($targets[] as $t
      | [$rows[] | select(.target == $t)] as $mine
      | [$mine[] | select(.error == null and .skipped == null)] as $ok
      | if ($mine | length) == 0 then empty
        elif ($ok | length) == 0 then
          "| \($t) | failed: \([$mine[] | .error // .skipped][0] | short_error) | | | | 0/\($mine | length) |"
        else
          "| \($t) | \($ok | spread(.ready_ms)) | \($ok | spread(.rss_kb)) | \($ok | spread(.cpu_ms)) | \($ok | spread(.other_cpu_pct)) | \($ok | length)/\($mine | length) |"
        end)
   elif $name == "idle" then
     "| target | bytes per connection | connections open | proxy RSS before → after (kB) | errors | others' CPU % | rounds |",
     "|---|---:|---:|---:|---:|---:|---:|",
     ($targets[] as $t
      | [$rows[] | select(.target == $t)] as $mine
      | [$mine[] | select(.error == null and .skipped == null)] as $ok
      | if ($mine | length) == 0 then empty
        elif ($ok | length) == 0 then
          "| \($t) | failed: \([$mine[] | .error // .skipped][0] | short_error) | | | | | 0/\($mine | length) |"
        else
          "| \($t) | \($ok | spread(.bytes_per_conn)) | \($ok | spread(.open)) of \($ok[0].connections) | \($ok | [.[].rss_before_kb] | median | num) → \($ok | [.[].rss_after_kb] | median | num) | \([$ok[].errors // 0] | add) | \($ok | spread(.other_cpu_pct)) | \($ok | length)/\($mine | length) |"
        end)
   else
     "| target | ops/s | p50 µs | p99 µs | proxy CPU µs/op\(extra_heads($name) | cells) | errors | others' CPU % | rounds |",
     "|---|---:|---:|---:|---:\(extra_heads($name) | map("|---:") | join(""))|---:|---:|---:|",
     ($targets[] as $t
      | [$rows[] | select(.target == $t)] as $mine
      | [$mine[] | select(.error == null and .skipped == null)] as $ok
      | if ($mine | length) == 0 then empty
        elif ($ok | length) == 0 then
          "| \($t) | \(if $mine[0].skipped then "skipped: " + $mine[0].skipped else "failed: " + ([$mine[].error][0] | short_error) end) | | | \(extra_heads($name) | map("| ") | join(""))| | | 0/\($mine | length) |"
        else
          "| \($t) | \($ok | spread(.ops_per_s)) | \($ok | spread(.p50_us)) | \($ok | spread(.p99_us)) | \($ok | spread(.cpu_us_per_op))\($ok | extra_cells($name) | cells) | \([$ok[].errors // 0] | add) | \($ok | spread(.other_cpu_pct)) | \($ok | length)/\($mine | length) |"
        end),
     # slb's CPU per operation against each other proxy (and the baseline build, slb-base, when
     # there is one): ratio of the medians, and the range of the per-round ratios (each round's
     # targets ran minutes apart, under similar noise).
     ([$rows[] | select(.target == "slb" and .cpu_us_per_op != null)] as $slb
      | if ($slb | length) == 0 then empty else
          ([("slb-base", "nginx", "haproxy") as $other
            | [$rows[] | select(.target == $other and .cpu_us_per_op != null)] as $o
            | select(($o | length) > 0)
            | ([$slb[] as $s | $o[] | select(.round == $s.round and .cpu_us_per_op > 0)
                | $s.cpu_us_per_op / .cpu_us_per_op]) as $per_round
            | "\(($slb | [.[].cpu_us_per_op] | median) / ($o | [.[].cpu_us_per_op] | median) | two)× \({"slb-base": "slb-base", "nginx": "nginx", "haproxy": "HAProxy"}[$other])"
                + (if ($per_round | length) > 1
                   then " (per round \($per_round | min | two)–\($per_round | max | two))"
                   else "" end)
           ] | if length == 0 then empty else "\nslb CPU per op: " + join(", ") end)
        end)
   end),
  ""
  end
