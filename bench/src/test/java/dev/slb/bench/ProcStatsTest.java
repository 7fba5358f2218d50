package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading /proc: field counting past a command name with spaces and parentheses, and this process's own figures. */
class ProcStatsTest {
    @Test
    void cpuTicksCountFieldsFromTheLastParenthesis() {
        String stat = "4242 (java (my) proc x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 731 269 0 0 20 0 40 0 "
                + "123456 5000000000 50000 18446744073709551615 1 1 0 0 0 0 0 4096 16 0 0 0 17 1 0 0 0 0 0";

        assertThat(ProcStats.cpuTicks(stat)).isEqualTo(731 + 269);
    }

    @Test
    void rssComesFromTheVmRssLine() {
        String status = "Name:\tjava\nVmPeak:\t  999999 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 100000 kB\n";

        assertThat(ProcStats.statusKib(status, "VmRSS")).isEqualTo(123456);
    }

    @Test
    void openFilesLimitIsTheSoftLimit() {
        String limits = "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max processes             63704                63704                processes \n"
                + "Max open files            1024                 20000                files     \n";

        assertThat(ProcStats.openFilesLimit(limits)).isEqualTo(1024);
        assertThat(ProcStats.openFilesLimit(limits.replace("1024 ", "unlimited ")))
                .isEqualTo(-1);
    }

    @Test
    void thisProcessHasCpuTimeAndMemory() throws Exception {
        List<Long> self = List.of(ProcessHandle.current().pid());

        assertThat(ProcStats.cpuMillis(self)).isPositive();
        assertThat(ProcStats.rssKib(self)).isPositive();
        assertThat(ProcStats.ticksPerSecond()).isPositive();
    }
}
