package dev.slb.proxy.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * Memory in use in this JVM, for the functional check that a body streams through instead of
 * piling up: heap after a full collection, plus the direct memory Netty's allocators and the JDK
 * hold. Rough numbers, good enough to tell 64 KiB of buffering from 100 MiB.
 */
public final class TestingMemory {
    private TestingMemory() {}

    /** Heap in use after asking for full collections. */
    public static long heapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Direct memory held by Netty's default allocators and by the JDK's direct buffers. */
    public static long direct() {
        long total = 0;
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            total += p.metric().usedDirectMemory();
        }
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT) {
            total += PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                total += pool.getMemoryUsed();
            }
        }
        return total;
    }

    /** Heap after GC plus direct memory. */
    public static long inUse() {
        return heapAfterGc() + direct();
    }

    public static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
