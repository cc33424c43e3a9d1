using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cluster.Shared.Checkpoints;

/// <summary>
/// The folder of a job's checkpoints. Writing is atomic: files go into a hidden temporary directory, are flushed to
/// disk, the manifest (sizes and SHA-256 of every file) is written last, and only then is the directory renamed to
/// <c>checkpoint-&lt;step&gt;</c>. A reader therefore finds complete checkpoints or none, and anything that does not
/// match its manifest (a truncated copy, a flipped bit, a file added later) is refused with the reason.
/// </summary>
/// <remarks>One writer per store (rank 0); readers may run at any time.</remarks>
public sealed partial class CheckpointStore
{
    private const string TemporaryMarker = ".tmp-";
    private const string RetiredMarker = ".retired-";

    public CheckpointStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The <c>checkpoint-&lt;step&gt;</c> directories, oldest first; temporary and retired ones are not listed.</summary>
    public IReadOnlyList<CheckpointInfo> List()
    {
        if (!Directory.Exists(Root)) return [];
        return [.. Directory.EnumerateDirectories(Root)
            .Select(path => (Path: path, Step: CheckpointLayout.StepOf(Path.GetFileName(path))))
            .Where(found => found.Step is not null)
            .Select(found => new CheckpointInfo(found.Step!.Value, found.Path))
            .OrderBy(info => info.Step)];
    }

    /// <summary>
    /// Writes the checkpoint of <paramref name="step"/> from <paramref name="files"/> (which must include
    /// <see cref="CheckpointLayout.RequiredFiles"/>), with the step's evaluation <paramref name="metrics"/> in the
    /// manifest. A checkpoint of the same step already there (from a run that resumed before it) is replaced.
    /// </summary>
    /// <exception cref="ArgumentException">File names repeat, are not plain names, name the manifest, or a required file is missing.</exception>
    public CheckpointInfo Write(long step, IReadOnlyList<CheckpointFile> files, IReadOnlyDictionary<string, double>? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentNullException.ThrowIfNull(files);
        CheckNames(files);
        Directory.CreateDirectory(Root);
        RemoveLeftovers();

        string name = CheckpointLayout.DirectoryName(step);
        string temporary = Path.Combine(Root, $".{name}{TemporaryMarker}{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            var entries = new List<ManifestEntry>(files.Count);
            foreach (CheckpointFile file in files)
            {
                string path = Path.Combine(temporary, file.Name);
                file.Write(path);
                if (!File.Exists(path)) throw new InvalidOperationException($"the writer of {file.Name} did not create it");
                entries.Add(Describe(path, flush: true));
            }

            var manifest = new CheckpointManifest(step, entries, new Dictionary<string, double>(metrics ?? new Dictionary<string, double>(), StringComparer.Ordinal));
            using (var stream = new FileStream(Path.Combine(temporary, CheckpointLayout.ManifestFile), FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(manifest.ToJson());
                stream.Flush(flushToDisk: true);
            }

            FlushDirectory(temporary);
            string final = Path.Combine(Root, name);
            if (Directory.Exists(final))
            {
                string retired = Path.Combine(Root, $".{name}{RetiredMarker}{Guid.NewGuid():N}");
                Directory.Move(final, retired);
                Directory.Move(temporary, final);
                Directory.Delete(retired, recursive: true);
            }
            else
            {
                Directory.Move(temporary, final);
            }

            FlushDirectory(Root);
            return new CheckpointInfo(step, final);
        }
        catch
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Checks a checkpoint against its manifest. <paramref name="hashes"/> false compares only names and sizes, which
    /// finds truncated and missing files at the cost of a directory listing; true also recomputes every SHA-256.
    /// </summary>
    public CheckpointVerdict Verify(CheckpointInfo checkpoint, bool hashes = true)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        string manifestPath = Path.Combine(checkpoint.Path, CheckpointLayout.ManifestFile);
        if (!File.Exists(manifestPath)) return new(checkpoint, null, $"no {CheckpointLayout.ManifestFile}: the checkpoint was never completed");
        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.Parse(File.ReadAllBytes(manifestPath), manifestPath);
        }
        catch (InvalidDataException e)
        {
            return new(checkpoint, null, e.Message);
        }

        string? problem = Problem(checkpoint, manifest, hashes);
        return new(checkpoint, manifest, problem);
    }

    /// <summary>
    /// The newest checkpoint that verifies (hashes included). Newer ones that do not are returned as rejected with
    /// their reasons, so the caller can report the fallback.
    /// </summary>
    public CheckpointSelection LatestValid()
    {
        var rejected = new List<CheckpointVerdict>();
        foreach (CheckpointInfo checkpoint in List().Reverse())
        {
            CheckpointVerdict verdict = Verify(checkpoint);
            if (verdict.IsValid) return new CheckpointSelection(verdict, rejected);
            rejected.Add(verdict);
        }

        return new CheckpointSelection(null, rejected);
    }

    /// <summary>Deletes what <paramref name="policy"/> does not keep (see <see cref="CheckpointRetention"/>), judging
    /// completeness by names and sizes only, and returns the decision.</summary>
    public RetentionDecision ApplyRetention(RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        IReadOnlyList<CheckpointInfo> checkpoints = List();
        RetentionCandidate[] candidates = [.. checkpoints.Select(c => Verify(c, hashes: false)).Select(v => new RetentionCandidate(
            v.Checkpoint.Step, v.IsValid, v.Manifest?.Metrics.TryGetValue(policy.Metric, out double value) == true ? value : null))];
        RetentionDecision decision = CheckpointRetention.Decide(candidates, policy);
        foreach (CheckpointInfo checkpoint in checkpoints.Where(c => decision.Delete.Contains(c.Step)))
        {
            // Renamed first, so a crash half way through the delete leaves no half-checkpoint under a checkpoint name.
            string retired = Path.Combine(Root, $".{Path.GetFileName(checkpoint.Path)}{RetiredMarker}{Guid.NewGuid():N}");
            Directory.Move(checkpoint.Path, retired);
            Directory.Delete(retired, recursive: true);
        }

        return decision;
    }

    private static void CheckNames(IReadOnlyList<CheckpointFile> files)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (CheckpointFile file in files)
        {
            ArgumentNullException.ThrowIfNull(file, nameof(files));
            if (string.IsNullOrEmpty(file.Name) || Path.GetFileName(file.Name) != file.Name || file.Name.StartsWith('.'))
                throw new ArgumentException($"checkpoint file name '{file.Name}' is not a plain file name", nameof(files));
            if (file.Name == CheckpointLayout.ManifestFile)
                throw new ArgumentException($"{CheckpointLayout.ManifestFile} is written by the store, not given", nameof(files));
            if (!names.Add(file.Name)) throw new ArgumentException($"checkpoint file '{file.Name}' is given twice", nameof(files));
        }

        string[] missing = [.. CheckpointLayout.RequiredFiles.Where(required => !names.Contains(required))];
        if (missing.Length > 0) throw new ArgumentException($"a checkpoint needs {string.Join(", ", missing)}", nameof(files));
    }

    private static string? Problem(CheckpointInfo checkpoint, CheckpointManifest manifest, bool hashes)
    {
        if (manifest.Step != checkpoint.Step)
            return $"the manifest is for step {manifest.Step}, the directory for step {checkpoint.Step}";
        string[] unlisted = [.. CheckpointLayout.RequiredFiles.Where(required => manifest.Files.All(f => f.Name != required))];
        if (unlisted.Length > 0) return $"the manifest lacks {string.Join(", ", unlisted)}";
        var present = Directory.EnumerateFileSystemEntries(checkpoint.Path).Select(Path.GetFileName)
            .Where(name => name != CheckpointLayout.ManifestFile).ToHashSet(StringComparer.Ordinal);
        string[] extra = [.. present.Where(name => manifest.Files.All(f => f.Name != name)).Order(StringComparer.Ordinal)!];
        if (extra.Length > 0) return $"{string.Join(", ", extra)} not in the manifest: something wrote into the checkpoint after it was completed";
        foreach (ManifestEntry expected in manifest.Files)
        {
            string path = Path.Combine(checkpoint.Path, expected.Name);
            if (!File.Exists(path)) return $"{expected.Name} is missing";
            long size = new FileInfo(path).Length;
            if (size != expected.Size) return $"{expected.Name} has {size} bytes, the manifest says {expected.Size}: truncated or overwritten";
            if (!hashes) continue;
            string sha = Describe(path, flush: false).Sha256;
            if (sha != expected.Sha256) return $"{expected.Name} has SHA-256 {sha}, the manifest says {expected.Sha256}: corrupted";
        }

        return null;
    }

    private static ManifestEntry Describe(string path, bool flush)
    {
        using var stream = new FileStream(path, FileMode.Open, flush ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read, 1 << 20);
        byte[] hash = SHA256.HashData(stream);
        // Writers may not have flushed to disk; the rename that publishes the checkpoint must not outrun the data.
        if (flush) stream.Flush(flushToDisk: true);
        return new ManifestEntry(Path.GetFileName(path), stream.Length, Convert.ToHexStringLower(hash));
    }

    // A crashed writer leaves a temporary or retired directory; only this store's single writer makes them, so any
    // found before a write is garbage.
    private void RemoveLeftovers()
    {
        foreach (string directory in Directory.EnumerateDirectories(Root))
        {
            string name = Path.GetFileName(directory);
            if (name.StartsWith('.') && (name.Contains(TemporaryMarker, StringComparison.Ordinal) || name.Contains(RetiredMarker, StringComparison.Ordinal)))
                Directory.Delete(directory, recursive: true);
        }
    }

    // Renames and new entries are durable only once the directory itself is flushed (POSIX); .NET has no API for it.
    private static void FlushDirectory(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        int fd = Open(directory, 0);
        if (fd < 0) throw new IOException($"cannot open {directory} to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"cannot flush {directory} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
