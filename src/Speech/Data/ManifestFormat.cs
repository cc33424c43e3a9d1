namespace Cluster.Speech.Data;

/// <summary>The on-disk layouts <see cref="ManifestReader"/> reads.</summary>
public enum ManifestFormat
{
    /// <summary>A Common Voice split TSV (train.tsv, dev.tsv, …) with its audio in the sibling clips/ folder.</summary>
    CommonVoice,

    /// <summary>A Hugging Face audiofolder: metadata.csv or metadata.jsonl beside the audio.</summary>
    AudioFolder,

    /// <summary>A Kaldi data directory: wav.scp and text, optionally segments, utt2spk, utt2dur.</summary>
    Kaldi,

    /// <summary>Our own JSON Lines manifest: one object per line with audio, text and duration.</summary>
    Jsonl,
}
