package dev.slb.proxy.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;

/**
 * A Maglev consistent-hash table (Eisenbud et al., NSDI 2016) over a listener's backends: a client
 * key hashes to a slot, the slot names a backend. Every replica given the same backends (by address
 * and port, in any order) builds the same table, so they agree on each client's backend with nothing
 * shared; removing one backend moves its own clients and only a sliver of the others.
 *
 * <p>Each backend walks its own permutation of the slots (an offset and a skip from two hashes of
 * its address:port) and the backends take turns claiming the next free slot of theirs. Weights
 * follow Envoy's weighted Maglev: in each round a backend gains its weight in credit and claims a
 * slot only when its credit reaches the highest weight, so slots (and clients) are shared in
 * proportion to weight. The table has {@value #SIZE} slots, a prime, which keeps the share of each
 * of up to a few hundred backends within about 1 % of its weight share.
 *
 * <p>The hashes are FNV-1a finished by MurmurHash3's 64-bit mixer, written here (a dozen lines)
 * because they must be the same on every replica and release, which a library's unspecified
 * {@code hashCode} is not.
 */
public final class Maglev {
    /** Slots in a table; prime, so every skip below it walks all of them. */
    public static final int SIZE = 65_537;

    private static final long OFFSET_SEED = 0x5bd1e9955bd1e995L;
    private static final long SKIP_SEED = 0x27d4eb2f165667c5L;
    private static final long CLIENT_SEED = 0x9e3779b97f4a7c15L;

    private final int[] slots;
    private final int backends;

    private Maglev(int[] slots, int backends) {
        this.slots = slots;
        this.backends = backends;
    }

    /**
     * The table over the backends named {@code keys} (address:port, unique) with {@code weights}
     * (0 takes no slot), leaving out those set in {@code avoid} (null avoids none).
     */
    public static Maglev build(String[] keys, int[] weights, BitSet avoid) {
        if (keys.length != weights.length) {
            throw new IllegalArgumentException(keys.length + " keys but " + weights.length + " weights");
        }
        // Sorted by key, so the order the backends were listed in does not change the table.
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(i -> keys[i]));
        int n = 0;
        int maxWeight = 0;
        int[] taking = new int[keys.length];
        for (int i : order) {
            if (weights[i] > 0 && (avoid == null || !avoid.get(i))) {
                taking[n++] = i;
                maxWeight = Math.max(maxWeight, weights[i]);
            }
        }
        int[] slots = new int[SIZE];
        Arrays.fill(slots, -1);
        if (n == 0) {
            return new Maglev(slots, 0);
        }
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] credit = new long[n];
        for (int b = 0; b < n; b++) {
            byte[] key = keys[taking[b]].getBytes(StandardCharsets.UTF_8);
            offset[b] = Long.remainderUnsigned(hash(key, OFFSET_SEED), SIZE);
            skip[b] = Long.remainderUnsigned(hash(key, SKIP_SEED), SIZE - 1) + 1;
        }
        int filled = 0;
        while (true) {
            for (int b = 0; b < n; b++) {
                credit[b] += weights[taking[b]];
                if (credit[b] < maxWeight) {
                    continue;
                }
                credit[b] -= maxWeight;
                int slot;
                do {
                    slot = (int) ((offset[b] + next[b] * skip[b]) % SIZE);
                    next[b]++;
                } while (slots[slot] >= 0);
                slots[slot] = taking[b];
                if (++filled == SIZE) {
                    return new Maglev(slots, n);
                }
            }
        }
    }

    /** How many backends hold slots. */
    public int backends() {
        return backends;
    }

    /** The backend for {@code clientHash}, or -1 when the table has none. */
    public int lookup(long clientHash) {
        return slots[(int) Long.remainderUnsigned(clientHash, SIZE)];
    }

    /**
     * The backend for {@code clientHash} that is not in {@code excluded} (null excludes none): the
     * slot's own, else the next slot's whose backend is not excluded, so a client whose backend just
     * refused it goes where every other replica would send it too; -1 when every backend is excluded.
     */
    public int lookup(long clientHash, BitSet excluded) {
        if (backends == 0) {
            return -1;
        }
        int start = (int) Long.remainderUnsigned(clientHash, SIZE);
        if (excluded == null || !excluded.get(slots[start])) {
            return slots[start];
        }
        for (int k = 1; k < SIZE; k++) {
            int b = slots[(start + k) % SIZE];
            if (!excluded.get(b)) {
                return b;
            }
        }
        return -1;
    }

    /** The hash of a client's address bytes (4 for IPv4, 16 for IPv6). */
    public static long clientHash(byte[] address) {
        return hash(address, CLIENT_SEED);
    }

    private static long hash(byte[] data, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
