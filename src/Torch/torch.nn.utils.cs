using Cluster.Torch.Interop;

namespace Cluster.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>torch.nn.utils: helpers around parameters and their gradients.</summary>
        public static class utils
        {
            /// <summary>
            /// Scales the gradients of <paramref name="parameters"/> in place so that their joint
            /// <paramref name="norm_type"/>-norm (of all gradients as one vector; <see cref="double.PositiveInfinity"/> for
            /// the max norm) is at most <paramref name="max_norm"/>. Parameters without a gradient are skipped. Returns the
            /// norm before clipping, 0 when no parameter has a gradient.
            /// </summary>
            public static unsafe double clip_grad_norm_(IEnumerable<Tensor> parameters, double max_norm, double norm_type = 2.0)
            {
                ArgumentNullException.ThrowIfNull(parameters);
                var list = parameters.ToArray();
                var handles = new IntPtr[list.Length];
                for (var i = 0; i < list.Length; i++) handles[i] = list[i].Handle;
                double total;
                fixed (IntPtr* p = handles)
                    NativeCheck.Status(Native.ts_clip_grad_norm(p, handles.Length, max_norm, norm_type, &total));
                GC.KeepAlive(list);
                return total;
            }
        }
    }
}
