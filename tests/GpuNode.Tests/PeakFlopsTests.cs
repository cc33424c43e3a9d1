using Cluster.Shared.Jobs;

namespace Cluster.GpuNode.Tests;

public sealed class PeakFlopsTests
{
    private const string Zen3 = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\ncpu MHz\t\t: 2450.000\nflags\t\t: fpu sse2 avx fma avx2 bmi2\n\nprocessor\t: 1\ncpu MHz\t\t: 1800.000\n";

    [Fact]
    public void A_cpu_core_peaks_at_its_vector_lanes_times_two_fma_units_times_two_operations_times_its_clock()
    {
        Assert.Equal(8 * 2 * 2 * 2450e6, PeakFlops.Cpu(Zen3)!.Value, 1);
        Assert.Equal(16 * 2 * 2 * 3000e6, PeakFlops.Cpu("cpu MHz : 3000\nflags : avx2 fma avx512f\n")!.Value, 1);
        Assert.Null(PeakFlops.Cpu("flags : avx2 fma\n")); // no clock: no estimate
    }

    [Fact]
    public void The_trainer_peak_counts_its_threads_and_the_job_overrides_each_device_type()
    {
        var defaults = new ObservabilitySpec();
        Assert.Equal(2 * 8 * 2 * 2 * 2450e6, PeakFlops.Of(defaults, cuda: false, threads: 2, Zen3)!.Value, 1);
        Assert.Null(PeakFlops.Of(defaults, cuda: true, threads: 2, Zen3)); // a GPU's peak is not guessed
        var stated = new ObservabilitySpec { PeakFlopsCpu = 5e11, PeakFlopsCuda = 989e12 };
        Assert.Equal(5e11, PeakFlops.Of(stated, cuda: false, threads: 2, Zen3));
        Assert.Equal(989e12, PeakFlops.Of(stated, cuda: true, threads: 2, Zen3));
    }
}
