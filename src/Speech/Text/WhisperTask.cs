namespace Cluster.Speech.Text;

/// <summary>What a Whisper decoder is asked to produce, selected by the task token of its prompt.</summary>
public enum WhisperTask
{
    /// <summary>Text in the spoken language (<c>&lt;|transcribe|&gt;</c>).</summary>
    Transcribe,

    /// <summary>English text whatever the spoken language (<c>&lt;|translate|&gt;</c>).</summary>
    Translate,
}
