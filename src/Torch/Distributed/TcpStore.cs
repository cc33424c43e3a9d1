using System.Text;
using Cluster.Torch.Interop;

namespace Cluster.Torch.Distributed;

/// <summary>
/// c10d's TCPStore: a small key-value server that ranks use to find each other (rendezvous) and
/// to exchange small values. One process runs the server (it is a client too); every other rank
/// connects a client. Requests of one client are serialized by libtorch; waits poll, so a thread
/// waiting for a key holds the connection only for one short request at a time, and a wait that
/// times out leaves the connection usable. Each process group opens its own connection.
/// </summary>
public sealed class TcpStore : IDisposable
{
    private IntPtr handle;

    private TcpStore(IntPtr handle, string host, int port, TimeSpan timeout)
    {
        this.handle = handle;
        Host = host;
        Port = port;
        Timeout = timeout;
    }

    ~TcpStore() => Release();

    public string Host { get; }

    /// <summary>The server's port (the one picked when the server was started with port 0).</summary>
    public int Port { get; }

    /// <summary>The default bound for <see cref="Get"/> and <see cref="Wait"/>, and for connecting.</summary>
    public TimeSpan Timeout { get; }

    internal IntPtr Handle
    {
        get
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException(nameof(TcpStore), "the store was disposed");
            return h;
        }
    }

    /// <summary>
    /// Starts the server on host:port (port 0 picks a free port, see <see cref="Port"/>). worldSize 0
    /// means any number of clients.
    /// </summary>
    public static TcpStore Server(string host, int port, TimeSpan timeout, int worldSize = 0) =>
        Create(host, port, isServer: true, worldSize, timeout);

    /// <summary>Connects to a server, retrying until the timeout.</summary>
    public static TcpStore Client(string host, int port, TimeSpan timeout)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "a store client needs the server's port (1..65535)");
        return Create(host, port, isServer: false, 0, timeout);
    }

    private static unsafe TcpStore Create(string host, int port, bool isServer, int worldSize, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "a port is in 0..65535");
        if (worldSize < 0) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size cannot be negative");
        var milliseconds = NativeText.Milliseconds(timeout, nameof(timeout));
        IntPtr result;
        fixed (byte* h = NativeText.Utf8(host))
            result = NativeCheck.Handle(Native.ts_store_tcp_new(h, port, isServer ? 1 : 0, worldSize, milliseconds));
        try
        {
            return new TcpStore(result, host, NativeCheck.Status(Native.ts_store_port(result)), timeout);
        }
        catch
        {
            Native.ts_store_free(result);
            throw;
        }
    }

    public unsafe void Set(string key, ReadOnlySpan<byte> value)
    {
        var k = NativeText.Key(key);
        fixed (byte* pk = k)
        fixed (byte* pv = value)
            NativeCheck.Status(Native.ts_store_set(Handle, pk, pv, value.Length));
        GC.KeepAlive(this);
    }

    public void Set(string key, string value) => Set(key, Encoding.UTF8.GetBytes(value));

    /// <summary>Waits for the key (up to <see cref="Timeout"/> unless given) and returns its bytes.</summary>
    public unsafe byte[] Get(string key, TimeSpan? timeout = null)
    {
        var k = NativeText.Key(key);
        var milliseconds = NativeText.Milliseconds(timeout ?? Timeout, nameof(timeout));
        long length;
        void* data;
        fixed (byte* pk = k)
            data = Native.ts_store_get(Handle, pk, milliseconds, &length);
        if (data == null) throw NativeCheck.LastError();
        var value = new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();
        GC.KeepAlive(this);
        return value;
    }

    public string GetString(string key, TimeSpan? timeout = null) => Encoding.UTF8.GetString(Get(key, timeout));

    /// <summary>Adds delta to the counter at key (a missing key counts from 0) and returns the new value.</summary>
    public unsafe long Add(string key, long delta)
    {
        var k = NativeText.Key(key);
        long value;
        fixed (byte* pk = k)
            NativeCheck.Status(Native.ts_store_add(Handle, pk, delta, &value));
        GC.KeepAlive(this);
        return value;
    }

    /// <summary>Waits until every key exists; all of them share one deadline.</summary>
    public unsafe void Wait(IEnumerable<string> keys, TimeSpan? timeout = null)
    {
        var bound = timeout ?? Timeout;
        var total = NativeText.Milliseconds(bound, nameof(timeout));
        var deadline = DateTime.UtcNow + bound;
        var first = true;
        foreach (var key in keys)
        {
            var k = NativeText.Key(key);
            // Later keys get what is left; a key already there must still be found after the deadline, hence at least 1 ms.
            var left = first ? total : Math.Max(1, (long)Math.Ceiling((deadline - DateTime.UtcNow).TotalMilliseconds));
            first = false;
            fixed (byte* pk = k)
                NativeCheck.Status(Native.ts_store_wait(Handle, pk, left));
        }
        GC.KeepAlive(this);
    }

    public unsafe bool Check(string key)
    {
        var k = NativeText.Key(key);
        int found;
        fixed (byte* pk = k)
            found = NativeCheck.Status(Native.ts_store_check(Handle, pk));
        GC.KeepAlive(this);
        return found == 1;
    }

    /// <summary>Deletes the key; false when it did not exist.</summary>
    public unsafe bool Delete(string key)
    {
        var k = NativeText.Key(key);
        int deleted;
        fixed (byte* pk = k)
            deleted = NativeCheck.Status(Native.ts_store_delete(Handle, pk));
        GC.KeepAlive(this);
        return deleted == 1;
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Native.ts_store_free(h);
    }
}
