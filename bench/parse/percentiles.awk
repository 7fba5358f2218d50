# Reads one number per line, sorted ascending (sort -n), and prints its 50th and 99th
# percentiles (nearest rank), "p50 p99"; nothing for no input.
{ v[NR] = $1 }
END {
  if (NR == 0) exit 0;
  i = int(NR * 0.50); if (i < NR * 0.50) i++; if (i < 1) i = 1;
  j = int(NR * 0.99); if (j < NR * 0.99) j++; if (j < 1) j = 1;
  print v[i], v[j];
}
