using System.Runtime.InteropServices;
using System.Text.Unicode;
using Cluster.Torch.Interop;

namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>torch.utils: gradient checkpointing.</summary>
    public static class utils
    {
        // Room for the block's outputs; a block returning more fails with a clear message.
        private const int MaxOutputs = 64;

        /// <summary>
        /// PyTorch's <c>torch.utils.checkpoint.checkpoint(function, *inputs)</c> (the reentrant variant): runs
        /// <paramref name="function"/> without recording a graph, keeping only <paramref name="inputs"/>, and runs it again
        /// during the backward pass to get the activations it needs, trading compute for memory. The recomputation sees
        /// the random state (CPU, and the CUDA devices of the inputs) and the autocast state of the first run, so dropout
        /// masks and precisions match; afterwards the random streams continue as if it had not happened.
        /// </summary>
        /// <remarks>
        /// As in PyTorch: only outputs computed from an input that requires grad get a gradient, so parameters used
        /// inside the block receive theirs (accumulated into <c>.grad</c> while the block is recomputed) only when at
        /// least one input requires grad; use it with <see cref="Tensor.backward"/>, not <see cref="autograd.grad"/>.
        /// The function runs inside a dispose scope of its own: every tensor it creates is disposed when it returns
        /// (the outputs are handed over first), and on the backward pass it may run on another thread. Its exceptions
        /// surface as a <see cref="TorchException"/> "checkpointed function failed: ..." from this call or from backward.
        /// At most 64 outputs.
        /// </remarks>
        public static unsafe Tensor[] checkpoint(Func<Tensor[], Tensor[]> function, params Tensor[] inputs)
        {
            ArgumentNullException.ThrowIfNull(function);
            ArgumentNullException.ThrowIfNull(inputs);
            var handles = new IntPtr[inputs.Length];
            for (var i = 0; i < inputs.Length; i++)
                handles[i] = (inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"input {i} is null")).Handle;
            var results = new IntPtr[MaxOutputs];
            // Freed by the shim through FreeGCHandle once no graph can call the function any more (at once on failure).
            var context = GCHandle.Alloc(function);
            int count;
            fixed (IntPtr* p = handles)
            fixed (IntPtr* r = results)
                count = Native.ts_checkpoint(&RunCheckpointed, (void*)GCHandle.ToIntPtr(context), &FreeGCHandle, p, handles.Length, r, MaxOutputs);
            GC.KeepAlive(inputs);
            NativeCheck.Status(count);
            var outputs = new Tensor[count];
            for (var i = 0; i < count; i++) outputs[i] = new Tensor(results[i]);
            return outputs;
        }

        /// <summary>The shim's <c>ts_checkpoint_fn</c>: runs the managed function; no exception may unwind into native frames.</summary>
        [UnmanagedCallersOnly]
        private static unsafe int RunCheckpointed(IntPtr context, IntPtr* inputs, int count, IntPtr* outputs, int capacity, byte* error, int errorCapacity)
        {
            // Handles handed to the shim; until they are, this side frees them on failure.
            var produced = new List<IntPtr>();
            try
            {
                var function = (Func<Tensor[], Tensor[]>)GCHandle.FromIntPtr(context).Target!;
                // On the backward pass no caller scope exists on this thread (it may be an autograd worker), so the
                // block's temporaries need a scope of their own there too.
                using (NewDisposeScope())
                {
                    var arguments = new Tensor[count];
                    for (var i = 0; i < count; i++) arguments[i] = Tensor.Wrap(Native.ts_tensor_alias(inputs[i]));
                    var results = function(arguments) ?? throw new InvalidOperationException("the function returned null instead of an array of tensors");
                    if (results.Length > capacity)
                        throw new InvalidOperationException($"the function returned {results.Length} tensors; at most {capacity} are supported");
                    foreach (var result in results)
                    {
                        if (result is null) throw new InvalidOperationException($"output {produced.Count} of the function is null");
                        produced.Add(NativeCheck.Handle(Native.ts_tensor_alias(result.Handle)));
                        GC.KeepAlive(result);
                    }
                }
                for (var i = 0; i < produced.Count; i++) outputs[i] = produced[i];
                return produced.Count;
            }
            catch (Exception e)
            {
                foreach (var handle in produced) Native.ts_tensor_free(handle);
                WriteMessage($"{e.GetType().Name}: {e.Message}", new Span<byte>(error, errorCapacity));
                return -1;
            }
        }

        /// <summary>Writes NUL-terminated UTF-8, cut at a character boundary when the buffer is too small.</summary>
        private static void WriteMessage(string message, Span<byte> buffer)
        {
            if (buffer.IsEmpty) return;
            Utf8.FromUtf16(message, buffer[..^1], out _, out var written);
            buffer[written] = 0;
        }
    }
}
