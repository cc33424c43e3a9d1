using Cluster.Torch.Optim;

namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>torch.optim: the optimizers, by their PyTorch names and defaults.</summary>
    public static class optim
    {
        public static AdamW AdamW(IEnumerable<(string Name, Parameter Parameter)> named_parameters, double lr = 1e-3,
            (double, double)? betas = null, double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false) =>
            new(named_parameters, lr, betas, eps, weight_decay, amsgrad);

        public static AdamW AdamW(IEnumerable<ParamGroup> param_groups, double lr = 1e-3,
            (double, double)? betas = null, double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false) =>
            new(param_groups, lr, betas, eps, weight_decay, amsgrad);

        public static SGD SGD(IEnumerable<(string Name, Parameter Parameter)> named_parameters, double lr, double momentum = 0,
            double dampening = 0, double weight_decay = 0, bool nesterov = false) =>
            new(named_parameters, lr, momentum, dampening, weight_decay, nesterov);

        public static SGD SGD(IEnumerable<ParamGroup> param_groups, double? lr = null, double momentum = 0,
            double dampening = 0, double weight_decay = 0, bool nesterov = false) =>
            new(param_groups, lr, momentum, dampening, weight_decay, nesterov);
    }
}
