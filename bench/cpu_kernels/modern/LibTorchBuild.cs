namespace Cluster.Bench.CpuKernels.Modern;

using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

/// <summary>
/// What the loaded libtorch says about itself. TorchSharp exposes neither torch.__config__.show() nor
/// torch.backends.mkl, so this calls libtorch_cpu.so's own C++ exports (at::show_config() and friends)
/// directly. torch.__version__ in TorchSharp is a constant compiled into TorchSharp.dll; the version here
/// comes from the loaded library's build settings instead, so it names what actually ran.
/// </summary>
internal static partial class LibTorchBuild
{
    /// <summary>The text of torch.__config__.show(), or empty when libtorch_cpu.so's exports are not found.</summary>
    public static string Config() => CallStringFunction("_ZN2at11show_configB5cxx11Ev");

    /// <summary>torch.__config__.parallel_info(): the thread pools and which backends they use.</summary>
    public static string ParallelInfo() => CallStringFunction("_ZN2at17get_parallel_infoB5cxx11Ev");

    public static bool? HasMkl() => CallBoolFunction("_ZN2at7Context6hasMKLEv");

    public static bool? HasMklDnn() => CallBoolFunction("_ZN2at7Context9hasMKLDNNEv");

    /// <summary>The loaded library's TORCH_VERSION; TorchSharp's compiled-in version (trimmed to 3 parts) if the config does not say.</summary>
    public static string LibTorchVersion(string config)
    {
        var match = Regex.Match(config, @"TORCH_VERSION=([0-9][0-9A-Za-z.+]*)");
        return match.Success ? match.Groups[1].Value : string.Join('.', torch.__version__.Split('.').Take(3));
    }

    public static string TorchSharpVersion()
    {
        var version = typeof(torch).Assembly.GetName().Version;
        return version is null ? "" : $"{version.Major}.{version.Minor}.{version.Build}";
    }

    private static IntPtr Export(string symbol)
    {
        // TorchSharp has loaded libtorch_cpu.so by now; these loads only hand back its handle.
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so"), "libtorch_cpu.so" })
        {
            if (NativeLibrary.TryLoad(candidate, out var library) && NativeLibrary.TryGetExport(library, symbol, out var address))
            {
                return address;
            }
        }
        return IntPtr.Zero;
    }

    private static unsafe bool? CallBoolFunction(string symbol)
    {
        var address = Export(symbol);
        return address == IntPtr.Zero ? null : ((delegate* unmanaged<byte>)address)() != 0;
    }

    /// <summary>
    /// Calls a C++ function returning std::string by value. On x86-64 System V a std::string result is
    /// built in caller-provided memory whose address is passed as the hidden first argument; libstdc++'s
    /// std::string (the C++11 ABI libtorch uses) is {char* data; size_t length; 16 bytes of inline buffer
    /// or capacity}. The heap buffer of a long result is not freed: a few kilobytes, once per process.
    /// </summary>
    private static unsafe string CallStringFunction(string symbol)
    {
        var address = Export(symbol);
        if (address == IntPtr.Zero)
        {
            return "";
        }
        var result = stackalloc byte[32];
        ((delegate* unmanaged<byte*, byte*>)address)(result);
        byte* data = *(byte**)result;
        nuint length = *(nuint*)(result + 8);
        return Encoding.UTF8.GetString(data, checked((int)length));
    }
}
