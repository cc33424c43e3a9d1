using System.Runtime.InteropServices;

namespace Cluster.Speech.Audio;

/// <summary>An open SNDFILE*; closing it is what finishes a written file, so writers check <see cref="CloseAndCheck"/>.</summary>
internal sealed class SndFileHandle : SafeHandle
{
    public SndFileHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Closes now and reports libsndfile's status (0 on success), for writers that must know the file is complete.</summary>
    public int CloseAndCheck()
    {
        var status = LibSndFile.sf_close(handle);
        SetHandleAsInvalid();
        return status;
    }

    protected override bool ReleaseHandle() => LibSndFile.sf_close(handle) == 0;
}
