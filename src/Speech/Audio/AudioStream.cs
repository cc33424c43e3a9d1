namespace Cluster.Speech.Audio;

/// <summary>
/// Audio read front to back in chunks at the requested rate and channel layout, decoding and
/// resampling as it goes, so hour-long files take bounded memory. Made by <see cref="AudioFile.OpenStream"/>.
/// A file that turns out truncated or corrupt throws <see cref="AudioFormatException"/> from the read that reaches the damage.
/// </summary>
public sealed class AudioStream : IDisposable
{
    // Native frames decoded per step: large enough to amortise the native calls, small enough to stay in cache.
    private const int DecodeBlockFrames = 16384;

    private readonly IAudioDecoder _decoder;
    private readonly Resampler? _resampler;
    private readonly bool _downmix;
    private readonly float[] _decoded;
    private readonly float[]? _downmixed;
    private long _inputFramesLeft;
    private long _outputFramesToSkip;
    private long _outputFramesLeft;
    private ReadOnlyMemory<float> _pending;
    private bool _inputEnded;
    private bool _ended;

    /// <param name="inputFrameLimit">How many frames to take from the decoder at most; null to its end.</param>
    /// <param name="outputFramesToSkip">Output frames to drop first (resampler context read before a segment).</param>
    /// <param name="outputFrameLimit">Output frames to deliver at most; null for all.</param>
    /// <param name="expectedFrames">The frame count this stream should deliver, when the header tells it; lets a whole read allocate once.</param>
    internal AudioStream(IAudioDecoder decoder, int sampleRate, bool mono, long? inputFrameLimit, long outputFramesToSkip, long? outputFrameLimit, long? expectedFrames)
    {
        _decoder = decoder;
        SampleRate = sampleRate;
        Channels = mono ? 1 : decoder.Channels;
        _downmix = mono && decoder.Channels > 1;
        _decoded = new float[DecodeBlockFrames * decoder.Channels];
        _downmixed = _downmix ? new float[DecodeBlockFrames] : null;
        if (decoder.SampleRate != sampleRate) _resampler = new Resampler(decoder.SampleRate, sampleRate, Channels);
        _inputFramesLeft = inputFrameLimit ?? long.MaxValue;
        _outputFramesToSkip = outputFramesToSkip;
        _outputFramesLeft = outputFrameLimit ?? long.MaxValue;
        ExpectedFrames = expectedFrames;
    }

    public string Path => _decoder.Path;

    /// <summary>The rate of the samples this stream yields.</summary>
    public int SampleRate { get; }

    /// <summary>Channels per frame of the samples this stream yields (1 when downmixed).</summary>
    public int Channels { get; }

    /// <summary>Frames delivered so far.</summary>
    public long Position { get; private set; }

    internal long? ExpectedFrames { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> with whole frames (interleaved) and returns the number of
    /// samples written; fewer than fit only at the end of the audio, 0 after it.
    /// </summary>
    public int Read(Span<float> destination)
    {
        if (destination.Length < Channels)
            throw new ArgumentException($"room for at least one {Channels}-channel frame is needed", nameof(destination));
        var usable = destination.Length - destination.Length % Channels;
        var written = 0;
        while (written < usable)
        {
            if (_pending.IsEmpty)
            {
                if (_ended) break;
                _pending = NextOutputBlock();
                continue;
            }
            var count = Math.Min(_pending.Length, usable - written);
            _pending.Span[..count].CopyTo(destination[written..]);
            _pending = _pending[count..];
            written += count;
        }
        Position += written / Channels;
        return written;
    }

    /// <summary>The rest of the audio as arrays of <paramref name="frames"/> frames each (the last may be shorter).</summary>
    public IEnumerable<float[]> ReadChunks(int frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        while (true)
        {
            var chunk = new float[(long)frames * Channels];
            var count = Read(chunk);
            if (count == 0) yield break;
            if (count < chunk.Length) Array.Resize(ref chunk, count);
            yield return chunk;
            if (count < frames * Channels) yield break;
        }
    }

    public void Dispose()
    {
        _resampler?.Dispose();
        _decoder.Dispose();
    }

    /// <summary>The next stretch of output (possibly empty); marks the stream ended when nothing more will come.</summary>
    private ReadOnlyMemory<float> NextOutputBlock()
    {
        var block = _inputEnded ? ReadOnlyMemory<float>.Empty : NextConvertedBlock();
        if (_inputEnded && (_resampler is null || block.IsEmpty)) _ended = true;

        var frames = block.Length / Channels;
        var skip = (int)Math.Min(_outputFramesToSkip, frames);
        _outputFramesToSkip -= skip;
        var take = (int)Math.Min(_outputFramesLeft, frames - skip);
        _outputFramesLeft -= take;
        if (_outputFramesLeft == 0) _ended = true;
        return block.Slice(skip * Channels, take * Channels);
    }

    /// <summary>Decodes one block, downmixes and resamples it; at the end of the input, the resampler's tail.</summary>
    private ReadOnlyMemory<float> NextConvertedBlock()
    {
        var wanted = (int)Math.Min(DecodeBlockFrames, _inputFramesLeft);
        var frames = wanted == 0 ? 0 : _decoder.ReadFrames(_decoded.AsSpan(0, wanted * _decoder.Channels));
        if (frames == 0)
        {
            _inputEnded = true;
            return _resampler?.Flush() ?? ReadOnlyMemory<float>.Empty;
        }
        _inputFramesLeft -= frames;
        ReadOnlyMemory<float> samples = _decoded.AsMemory(0, frames * _decoder.Channels);
        if (_downmix) samples = Downmix(_decoded.AsSpan(0, frames * _decoder.Channels), _decoder.Channels, _downmixed!);
        return _resampler is null ? samples : _resampler.Process(samples.Span);
    }

    private static ReadOnlyMemory<float> Downmix(ReadOnlySpan<float> interleaved, int channels, float[] mono)
    {
        var frames = interleaved.Length / channels;
        var scale = 1f / channels;
        for (var frame = 0; frame < frames; frame++)
        {
            var sum = 0f;
            var start = frame * channels;
            for (var channel = 0; channel < channels; channel++) sum += interleaved[start + channel];
            mono[frame] = sum * scale;
        }
        return mono.AsMemory(0, frames);
    }
}
