using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Cluster.Torch.Safetensors;

namespace Cluster.Torch.Tests;

public sealed class SafetensorsTests : IDisposable
{
    private const string FileName = "model.safetensors";

    private static readonly DType[] AllDTypes =
    [
        DType.Float64, DType.Float32, DType.Float16, DType.BFloat16, DType.Int64,
        DType.Int32, DType.Int16, DType.Int8, DType.UInt8, DType.Bool,
    ];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "st-tests-" + Guid.NewGuid().ToString("N"));

    public SafetensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FilePath => Path.Combine(_dir, FileName);

    public static TheoryData<DType> DTypes() => [.. AllDTypes];

    [Theory]
    [MemberData(nameof(DTypes))]
    public void RoundTripsEveryDTypeWithScalarEmptyAndMatrixShapes(DType dtype)
    {
        long[][] shapes = [[], [0, 3], [2, 3], [5]];
        var tensors = shapes
            .Select((shape, i) => Tensor($"t{i}", dtype, shape, seed: i))
            .ToList();

        SafetensorsWriter.Write(FilePath, tensors);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(tensors.Count, file.Entries.Count);
        for (int i = 0; i < tensors.Count; i++)
        {
            SafetensorsEntry entry = file.Entries[i];
            Assert.Equal($"t{i}", entry.Name);
            Assert.Equal(dtype, entry.DType);
            Assert.Equal(shapes[i], entry.Shape);
            Assert.Equal(shapes[i].Aggregate(1L, (a, b) => a * b), entry.ElementCount);
            Assert.Equal(entry.ElementCount * dtype.ElementSize(), entry.ByteLength);
            Assert.Equal(Bytes(dtype, shapes[i], seed: i), file.GetBytes(entry).ToArray());
        }
    }

    [Fact]
    public void RoundTripsAllDTypesInOneFileInCallerOrder()
    {
        // Reverse order so that neither the writer nor the reader can pass by sorting names.
        var tensors = AllDTypes.Reverse()
            .Select((dtype, i) => Tensor($"z{9 - i}.{dtype}", dtype, [3, 1], seed: i))
            .ToList();

        SafetensorsWriter.Write(FilePath, tensors);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(tensors.Select(t => t.Name), file.Entries.Select(e => e.Name));
        long expectedOffset = file.Entries[0].DataOffset;
        Assert.Equal(0, expectedOffset % 8);
        for (int i = 0; i < tensors.Count; i++)
        {
            SafetensorsEntry entry = file[tensors[i].Name];
            Assert.Equal(expectedOffset, entry.DataOffset);
            Assert.Equal(Bytes(tensors[i].DType, [3, 1], seed: i), file.GetBytes(entry).ToArray());
            expectedOffset += entry.ByteLength;
        }

        Assert.Equal(new FileInfo(FilePath).Length, expectedOffset);
    }

    [Fact]
    public void RoundTripsMetadata()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "1200", ["note"] = "größe <&+> \"q\"" };

        SafetensorsWriter.Write(FilePath, [Tensor("w", DType.Float32, [2], seed: 1)], metadata);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(metadata.OrderBy(p => p.Key), file.Metadata.OrderBy(p => p.Key));
    }

    [Fact]
    public void FileWithoutMetadataHasEmptyMetadata()
    {
        SafetensorsWriter.Write(FilePath, [Tensor("w", DType.Float32, [2], seed: 1)]);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Empty(file.Metadata);
        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(File.ReadAllBytes(FilePath)));
    }

    [Fact]
    public void WritesTheSameBytesAsThePythonLibrary()
    {
        byte[] data = MemoryMarshal.AsBytes<float>([1f, 2f]).ToArray();

        SafetensorsWriter.Write(FilePath, [new SafetensorsTensorData("a", DType.Float32, [2], data)],
            new Dictionary<string, string> { ["format"] = "pt" });

        Assert.Equal(PythonLayout(), File.ReadAllBytes(FilePath));
    }

    [Fact]
    public void ReadsAFileLaidOutByThePythonLibrary()
    {
        File.WriteAllBytes(FilePath, PythonLayout());

        using var file = SafetensorsFile.Open(FilePath);

        Assert.Equal("pt", Assert.Single(file.Metadata).Value);
        SafetensorsEntry a = Assert.Single(file.Entries);
        Assert.Equal(("a", DType.Float32, 1), (a.Name, a.DType, a.Shape.Count));
        Assert.Equal(2, a.Shape[0]);
        Assert.Equal(8 + 88, a.DataOffset);
        Assert.Equal([1f, 2f], MemoryMarshal.Cast<byte, float>(file.GetBytes(a)).ToArray());
    }

    [Fact]
    public void RoundTripsNonAsciiNamesAsPlainUtf8()
    {
        const string name = "blöcke.0+1<attn>";

        SafetensorsWriter.Write(FilePath, [Tensor(name, DType.Int8, [4], seed: 3)]);

        Assert.Contains(name, Encoding.UTF8.GetString(File.ReadAllBytes(FilePath)));
        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(Bytes(DType.Int8, [4], seed: 3), file.GetBytes(file[name]).ToArray());
    }

    [Fact]
    public void WritesAFileWithNoTensors()
    {
        SafetensorsWriter.Write(FilePath, []);

        Assert.Equal(16, new FileInfo(FilePath).Length);
        using var file = SafetensorsFile.Open(FilePath);
        Assert.Empty(file.Entries);
    }

    [Fact]
    public void AcceptsZeroSizeTensorsSharingAnOffset()
    {
        WriteRaw("""
            {"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},
             "b":{"dtype":"I64","shape":[2,0],"data_offsets":[0,0]},
             "c":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}
            """, data: [7, 9]);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(0, file["b"].ByteLength);
        Assert.True(file.GetBytes(file["a"]).IsEmpty);
        Assert.Equal([7, 9], file.GetBytes(file["c"]).ToArray());
    }

    [Fact]
    public void KeepsHeaderOrderWhenItDiffersFromOffsetOrder()
    {
        WriteRaw("""
            {"late":{"dtype":"U8","shape":[2],"data_offsets":[1,3]},
             "early":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}
            """, data: [1, 2, 3]);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(["late", "early"], file.Entries.Select(e => e.Name));
        Assert.Equal([2, 3], file.GetBytes(file["late"]).ToArray());
        Assert.Equal([1], file.GetBytes(file["early"]).ToArray());
    }

    [Fact]
    public void IgnoresUnknownTensorFieldsAndAcceptsNullMetadata()
    {
        WriteRaw("""{"__metadata__":null,"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":[1]}}""", data: [5]);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Empty(file.Metadata);
        Assert.Equal([5], file.GetBytes(file["a"]).ToArray());
    }

    [Fact]
    public void WritesTensorDataFromACallback()
    {
        byte[] expected = Bytes(DType.Int16, [3, 2], seed: 5);
        var source = new SafetensorsTensorData("big", DType.Int16, [3, 2], expected.Length, stream =>
        {
            stream.Write(expected, 0, 4);
            stream.Write(expected, 4, expected.Length - 4);
        });

        SafetensorsWriter.Write(FilePath, [Tensor("small", DType.Bool, [3], seed: 2), source]);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.Equal(expected, file.GetBytes(file["big"]).ToArray());
        Assert.Equal(Bytes(DType.Bool, [3], seed: 2), file.GetBytes(file["small"]).ToArray());
    }

    [Fact]
    public void LooksUpEntriesByName()
    {
        SafetensorsWriter.Write(FilePath, [Tensor("a", DType.Float32, [1], seed: 1)]);

        using var file = SafetensorsFile.Open(FilePath);
        Assert.True(file.Contains("a"));
        Assert.False(file.Contains("b"));
        Assert.True(file.TryGetEntry("a", out SafetensorsEntry? a));
        Assert.Same(a, file["a"]);
        Assert.False(file.TryGetEntry("b", out _));
        Assert.Contains("'b'", Assert.Throws<KeyNotFoundException>(() => file["b"]).Message);
        Assert.Equal(Path.GetFullPath(FilePath), file.Path);
    }

    [Fact]
    public void EntriesOfTwoOpeningsOfOneFileAreEqualAndInterchangeable()
    {
        SafetensorsWriter.Write(FilePath, [Tensor("a", DType.Float32, [2, 2], seed: 1)]);

        using var first = SafetensorsFile.Open(FilePath);
        using var second = SafetensorsFile.Open(FilePath);
        Assert.Equal(first["a"], second["a"]);
        Assert.Equal(first["a"].GetHashCode(), second["a"].GetHashCode());
        Assert.Equal(first.GetBytes(first["a"]).ToArray(), second.GetBytes(first["a"]).ToArray());
    }

    [Fact]
    public void RejectsAnEntryOfAnotherFile()
    {
        string other = Path.Combine(_dir, "other.safetensors");
        SafetensorsWriter.Write(FilePath, [Tensor("a", DType.Float32, [1], seed: 1)]);
        SafetensorsWriter.Write(other, [Tensor("a", DType.Float32, [1000], seed: 1)]);

        using var file = SafetensorsFile.Open(FilePath);
        using var otherFile = SafetensorsFile.Open(other);
        Assert.Throws<ArgumentException>(() => file.GetBytes(otherFile["a"]));
    }

    [Fact]
    public void AccessAfterDisposeThrows()
    {
        SafetensorsWriter.Write(FilePath, [Tensor("a", DType.Float32, [1], seed: 1)]);
        var file = SafetensorsFile.Open(FilePath);
        SafetensorsEntry a = file["a"];

        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.GetBytes(a));
        Assert.Throws<ObjectDisposedException>(() => file.Entries);
        Assert.Throws<ObjectDisposedException>(() => file.Metadata);
        Assert.Throws<ObjectDisposedException>(() => file.Contains("a"));
        unsafe
        {
            Assert.Throws<ObjectDisposedException>(() => (IntPtr)file.GetPointer(a));
        }
    }

    [Fact]
    public unsafe void ServesTensorsLargerThanASpanThroughAPointer()
    {
        // A sparse file: the 3 GiB tensor takes no disk space, and only the touched page is read.
        const long size = 3L << 30;
        WriteRaw($$$"""{"huge":{"dtype":"U8","shape":[{{{size}}}],"data_offsets":[0,{{{size}}}]}}""", data: []);
        using (var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Write))
        {
            long dataStart = stream.Length;
            stream.SetLength(dataStart + size);
            stream.Position = dataStart + size - 1;
            stream.WriteByte(42);
        }

        using var file = SafetensorsFile.Open(FilePath);
        SafetensorsEntry huge = file["huge"];
        Assert.Equal(size, huge.ByteLength);
        Assert.Contains("GetPointer", Assert.Throws<NotSupportedException>(() => file.GetBytes(huge)).Message);
        Assert.Equal(42, file.GetPointer(huge)[size - 1]);
    }

    [Fact]
    public void RejectsEmptyFile()
    {
        File.WriteAllBytes(FilePath, []);
        AssertFormatError("empty");
    }

    [Fact]
    public void RejectsFileShorterThanTheLengthPrefix()
    {
        File.WriteAllBytes(FilePath, [1, 0, 0]);
        AssertFormatError("too short");
    }

    [Fact]
    public void RejectsHeaderLengthBeyondTheFile()
    {
        byte[] bytes = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(FilePath, bytes);
        AssertFormatError("header length 1000 runs past the end");
    }

    [Fact]
    public void RejectsAbsurdHeaderLength()
    {
        byte[] bytes = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(FilePath, bytes);
        AssertFormatError("MiB limit");
    }

    [Fact]
    public void RejectsHeaderThatIsNotJson()
    {
        WriteRaw("""{"a": {"dtype": "F32",""", data: []);
        AssertFormatError("not valid JSON");
    }

    [Fact]
    public void RejectsHeaderThatIsNotUtf8()
    {
        byte[] header = [.. "{\""u8, 0xFF, 0xFE, .. "\":{}}"u8];
        WriteRaw(header, data: []);
        AssertFormatError("UTF-8");
    }

    [Fact]
    public void RejectsHeaderThatIsAJsonArray()
    {
        WriteRaw("""[{"dtype":"F32","shape":[1],"data_offsets":[0,4]}]""", data: new byte[4]);
        AssertFormatError("must be a JSON object but is an array");
    }

    [Fact]
    public void RejectsUnknownDType()
    {
        WriteRaw("""{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}""", data: [0]);
        AssertFormatError("unknown dtype 'F8'");
    }

    [Fact]
    public void RejectsNegativeDimension()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}""", data: []);
        AssertFormatError("negative dimension -1");
    }

    [Fact]
    public void RejectsFractionalDimension()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}""", data: [0]);
        AssertFormatError("not an integer");
    }

    [Fact]
    public void RejectsMissingField()
    {
        WriteRaw("""{"a":{"dtype":"U8","data_offsets":[0,1]}}""", data: [0]);
        AssertFormatError("'shape'");
    }

    [Fact]
    public void RejectsOffsetsThatAreNotTwoIntegers()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}""", data: [0]);
        AssertFormatError("two non-negative integers");
    }

    [Fact]
    public void RejectsEndBeforeBegin()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", data: new byte[4]);
        AssertFormatError("end is before its begin");
    }

    [Fact]
    public void RejectsSizeThatDoesNotMatchTheShape()
    {
        WriteRaw("""{"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}}""", data: new byte[12]);
        AssertFormatError("tensor 'a.weight' has data_offsets [0, 12] but shape [2, 3] of F32 needs 24 bytes");
    }

    [Fact]
    public void RejectsShapeWhoseSizeOverflows()
    {
        WriteRaw("""{"a":{"dtype":"F32","shape":[4611686018427387904,4,0],"data_offsets":[0,0]}}""", data: []);
        AssertFormatError("overflows");
    }

    [Fact]
    public void RejectsOverlappingOffsets()
    {
        WriteRaw("""
            {"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},
             "b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}
            """, data: new byte[6]);
        AssertFormatError("overlaps tensor 'a'");
    }

    [Fact]
    public void RejectsHoleBetweenTensors()
    {
        WriteRaw("""
            {"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},
             "b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}
            """, data: new byte[6]);
        AssertFormatError("hole");
    }

    [Fact]
    public void RejectsHoleBeforeTheFirstTensor()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}""", data: new byte[4]);
        AssertFormatError("hole");
    }

    [Fact]
    public void RejectsDataRegionLongerThanTheTensorsCover()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}""", data: new byte[5]);
        AssertFormatError("not covered");
    }

    [Fact]
    public void RejectsOffsetsPastTheEndOfTheFile()
    {
        WriteRaw("""{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}""", data: new byte[3]);
        AssertFormatError("beyond the end of the file");
    }

    [Fact]
    public void RejectsDuplicateTensorName()
    {
        WriteRaw("""
            {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},
             "a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}
            """, data: new byte[2]);
        AssertFormatError("duplicate key 'a'");
    }

    [Fact]
    public void RejectsDuplicateTensorField()
    {
        WriteRaw("""{"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}""", data: new byte[1]);
        AssertFormatError("duplicate field 'dtype'");
    }

    [Fact]
    public void RejectsNonStringMetadataValue()
    {
        WriteRaw("""{"__metadata__":{"step":5},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", data: [0]);
        AssertFormatError("metadata value of 'step' must be a string but is a number");
    }

    [Fact]
    public void WriterRejectsDuplicateNamesAndLeavesNoFile()
    {
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(FilePath,
            [Tensor("a", DType.Float32, [1], seed: 1), Tensor("a", DType.Float32, [2], seed: 2)]));

        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void WriterRejectsWrongByteLengthAndLeavesNoFile()
    {
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(FilePath,
            [new SafetensorsTensorData("a", DType.Float32, [2, 3], new byte[12])]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(FilePath,
            [new SafetensorsTensorData("a", DType.Float32, [2, 3], 12, _ => { })]));

        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("")]
    [InlineData("__metadata__")]
    public void WriterRejectsReservedOrEmptyNames(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new SafetensorsTensorData(name, DType.UInt8, [1], new byte[1]));
    }

    [Fact]
    public void WriterRejectsDTypesSafetensorsCannotEncode()
    {
        Assert.Throws<ArgumentException>(() => new SafetensorsTensorData("c", DType.Complex64, [1], new byte[8]));
    }

    [Fact]
    public void FailedWriteLeavesTheExistingFileIntact()
    {
        SafetensorsWriter.Write(FilePath, [Tensor("old", DType.Float32, [2], seed: 1)]);
        byte[] before = File.ReadAllBytes(FilePath);

        var failing = new SafetensorsTensorData("new", DType.Float32, [2], 8, stream =>
        {
            stream.Write(new byte[4]);
            throw new InvalidDataException("source went away");
        });
        Assert.Throws<InvalidDataException>(() => SafetensorsWriter.Write(FilePath, [failing]));

        Assert.Equal(before, File.ReadAllBytes(FilePath));
        Assert.Equal([FilePath], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void CallbackWritingTheWrongByteCountFailsTheWrite()
    {
        SafetensorsWriter.Write(FilePath, [Tensor("old", DType.Float32, [2], seed: 1)]);
        byte[] before = File.ReadAllBytes(FilePath);

        var shortWrite = new SafetensorsTensorData("new", DType.Float32, [2], 8, stream => stream.Write(new byte[5]));
        string message = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(FilePath, [shortWrite])).Message;

        Assert.Contains("wrote 5 bytes instead of 8", message);
        Assert.Equal(before, File.ReadAllBytes(FilePath));
        Assert.Equal([FilePath], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void WriterDoesNotSeeLaterChangesToTheCallersShapeArray()
    {
        long[] shape = [2];
        var tensor = new SafetensorsTensorData("a", DType.UInt8, shape, new byte[2]);
        shape[0] = 5;

        Assert.Equal([2L], tensor.Shape);
    }

    /// <summary>The bytes Python's <c>safetensors.torch.save_file({"a": torch.tensor([1., 2.])}, p, {"format": "pt"})</c> writes.</summary>
    private static byte[] PythonLayout()
    {
        const string json = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        string padded = json.PadRight((json.Length + 7) / 8 * 8);
        Assert.Equal(88, padded.Length);
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)padded.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(padded));
        bytes.AddRange(BitConverter.GetBytes(1f));
        bytes.AddRange(BitConverter.GetBytes(2f));
        return [.. bytes];
    }

    private static SafetensorsTensorData Tensor(string name, DType dtype, long[] shape, int seed) =>
        new(name, dtype, shape, Bytes(dtype, shape, seed));

    /// <summary>Deterministic bytes; bools stay 0 or 1, since other bytes are not valid bool tensors.</summary>
    private static byte[] Bytes(DType dtype, long[] shape, int seed)
    {
        byte[] bytes = new byte[shape.Aggregate(1L, (a, b) => a * b) * dtype.ElementSize()];
        new Random(seed).NextBytes(bytes);
        if (dtype == DType.Bool)
            for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        return bytes;
    }

    private void WriteRaw(string headerJson, byte[] data) => WriteRaw(Encoding.UTF8.GetBytes(headerJson), data);

    private void WriteRaw(byte[] header, byte[] data)
    {
        byte[] bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        File.WriteAllBytes(FilePath, bytes);
    }

    private void AssertFormatError(string reason)
    {
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(FilePath).Dispose());
        Assert.Contains(FileName, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Equal(Path.GetFullPath(FilePath), e.Path);
        // A rejected file must not stay mapped or locked.
        File.Delete(FilePath);
    }
}
