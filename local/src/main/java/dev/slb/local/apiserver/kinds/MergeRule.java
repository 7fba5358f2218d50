package dev.slb.local.apiserver.kinds;

import java.util.HashMap;
import java.util.Map;

/**
 * How a strategic merge patch treats one field of a built-in kind, where it differs from the
 * default (maps merge, lists are replaced whole): the field's {@code patchStrategy} and
 * {@code patchMergeKey} tags in the Kubernetes API types.
 */
public record MergeRule(Strategy strategy, String mergeKey) {

    /** The patch strategies a field can be tagged with. */
    public enum Strategy {
        /** A list of objects merged item by item, matched on the merge key. */
        MERGE_BY_KEY,
        /** A list of values merged as a set (added to, deleted from with the parallel directive). */
        MERGE_VALUES,
        /** An object replaced whole rather than merged ({@code patchStrategy:"replace"}). */
        REPLACE
    }

    public boolean mergesList() {
        return strategy == Strategy.MERGE_BY_KEY || strategy == Strategy.MERGE_VALUES;
    }

    static MergeRule byKey(String mergeKey) {
        return new MergeRule(Strategy.MERGE_BY_KEY, mergeKey);
    }

    static MergeRule values() {
        return new MergeRule(Strategy.MERGE_VALUES, null);
    }

    static MergeRule replace() {
        return new MergeRule(Strategy.REPLACE, null);
    }

    /** The rules of {@code table} with every path under {@code prefix}. */
    static Map<String, MergeRule> under(String prefix, Map<String, MergeRule> table) {
        Map<String, MergeRule> out = new HashMap<>();
        table.forEach((path, rule) -> out.put(prefix + "." + path, rule));
        return Map.copyOf(out);
    }

    @SafeVarargs
    static Map<String, MergeRule> join(Map<String, MergeRule>... tables) {
        Map<String, MergeRule> out = new HashMap<>();
        for (Map<String, MergeRule> table : tables) {
            out.putAll(table);
        }
        return Map.copyOf(out);
    }
}
