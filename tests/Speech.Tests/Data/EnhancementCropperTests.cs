using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public class EnhancementCropperTests
{
    // Sample i of the noisy ramp is i, of the clean one -i: a crop tells its offset and whether both agree.
    private static float[] Ramp(int length, float sign) => [.. Enumerable.Range(0, length).Select(i => sign * i)];

    [Fact]
    public void Noisy_and_clean_are_cut_at_the_same_offset()
    {
        float[] noisy = Ramp(16_000, 1);
        float[] clean = Ramp(16_000, -1);

        for (int example = 0; example < 20; example++)
        {
            CroppedPair crop = EnhancementCropper.Crop(noisy, clean, 4000, SplitMix64.ForExample(1, 0, example));

            Assert.InRange(crop.Offset, 0, 12_000);
            Assert.Equal(4000, crop.ValidLength);
            Assert.Equal(Ramp(16_000, 1).AsSpan(crop.Offset, 4000).ToArray(), crop.Noisy);
            Assert.Equal(Ramp(16_000, -1).AsSpan(crop.Offset, 4000).ToArray(), crop.Clean);
        }
    }

    [Fact]
    public void Offsets_vary_between_examples_and_repeat_for_the_same_example()
    {
        float[] signal = Ramp(16_000, 1);
        int Offset(ulong seed, int epoch, long index) => EnhancementCropper.Crop(signal, signal, 1000, SplitMix64.ForExample(seed, epoch, index)).Offset;

        int[] offsets = [.. Enumerable.Range(0, 50).Select(i => Offset(9, 2, i))];

        // Produced again in reverse order, as another worker might: the same crops.
        Assert.Equal(offsets, Enumerable.Range(0, 50).Reverse().Select(i => Offset(9, 2, i)).Reverse());
        Assert.True(offsets.Distinct().Count() > 45);
        Assert.NotEqual(offsets, Enumerable.Range(0, 50).Select(i => Offset(9, 3, i)));
    }

    [Fact]
    public void A_pair_shorter_than_the_crop_is_zero_padded_and_says_how_much_is_real()
    {
        CroppedPair crop = EnhancementCropper.Crop([1, 2, 3], [4, 5, 6], 5, new SplitMix64(0));

        Assert.Equal([1, 2, 3, 0, 0], crop.Noisy);
        Assert.Equal([4, 5, 6, 0, 0], crop.Clean);
        Assert.Equal(0, crop.Offset);
        Assert.Equal(3, crop.ValidLength);
    }

    [Fact]
    public void A_pair_of_different_lengths_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => EnhancementCropper.Crop(new float[100], new float[90], 50, new SplitMix64(0)));

        Assert.Contains("noisy has 100 samples but clean has 90", e.Message);
    }
}
