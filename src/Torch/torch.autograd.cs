using Cluster.Torch.Interop;

namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>torch.autograd: gradients returned rather than accumulated.</summary>
    public static class autograd
    {
        /// <summary>
        /// PyTorch's <c>torch.autograd.grad</c>: the gradients of <paramref name="outputs"/> (weighted by
        /// <paramref name="grad_outputs"/>, implicit ones for scalar outputs) with respect to <paramref name="inputs"/>,
        /// returned as new tensors; no <c>.grad</c> is touched. An entry is null where its input does not influence the
        /// outputs, which is an error unless <paramref name="allow_unused"/>. <paramref name="retain_graph"/> defaults to
        /// <paramref name="create_graph"/>; with <paramref name="create_graph"/> the gradients can be differentiated again.
        /// </summary>
        public static unsafe Tensor?[] grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? grad_outputs = null, bool? retain_graph = null,
            bool create_graph = false, bool allow_unused = false)
        {
            ArgumentNullException.ThrowIfNull(outputs);
            ArgumentNullException.ThrowIfNull(inputs);
            if (grad_outputs is not null && grad_outputs.Length != outputs.Length)
                throw new ArgumentException($"{grad_outputs.Length} grad_outputs for {outputs.Length} outputs", nameof(grad_outputs));
            var roots = Handles(outputs, nameof(outputs));
            var leaves = Handles(inputs, nameof(inputs));
            var seeds = grad_outputs?.Select(g => g?.Handle ?? IntPtr.Zero).ToArray();
            var results = new IntPtr[inputs.Length];
            var retain = retain_graph is null ? -1 : retain_graph.Value ? 1 : 0;
            fixed (IntPtr* o = roots)
            fixed (IntPtr* i = leaves)
            fixed (IntPtr* g = seeds)
            fixed (IntPtr* r = results)
                NativeCheck.Status(Native.ts_autograd_grad(o, roots.Length, i, leaves.Length, g, retain, create_graph ? 1 : 0, allow_unused ? 1 : 0, r));
            GC.KeepAlive(outputs);
            GC.KeepAlive(inputs);
            GC.KeepAlive(grad_outputs);
            return results.Select(h => h == IntPtr.Zero ? null : new Tensor(h)).ToArray();
        }

        private static IntPtr[] Handles(Tensor[] tensors, string name)
        {
            var handles = new IntPtr[tensors.Length];
            for (var i = 0; i < tensors.Length; i++)
                handles[i] = (tensors[i] ?? throw new ArgumentNullException(name, $"entry {i} is null")).Handle;
            return handles;
        }
    }
}
