// GELU whose backward makes the incoming gradient contiguous before libtorch's gelu_backward.
// Debian's libtorch 1.13 CPU kernel returns uninitialised values when that gradient is not
// contiguous (e.g. it comes back through a transpose, as in Whisper's encoder); the Whisper golden
// gradients were wrong for that reason. The fix is harmless where the bug is absent.
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/custom_function.h>

#include "shim_internal.h"

namespace shim {
namespace {

const char* approximation(bool tanh) { return tanh ? "tanh" : "none"; }

struct ContiguousGradGelu : public torch::autograd::Function<ContiguousGradGelu> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, bool tanh) {
    ctx->save_for_backward({x});
    ctx->saved_data["tanh"] = tanh;
    return at::gelu(x, approximation(tanh));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto x = ctx->get_saved_variables()[0];
    bool tanh = ctx->saved_data["tanh"].toBool();
    // gelu_backward is itself differentiable, so double backward (create_graph) still works.
    return {at::gelu_backward(grads[0].contiguous(), x, approximation(tanh)), at::Tensor()};
  }
};

}  // namespace

at::Tensor gelu(const at::Tensor& x, bool tanh) {
  if (!(c10::GradMode::is_enabled() && x.requires_grad())) return at::gelu(x, approximation(tanh));
  return ContiguousGradGelu::apply(x, tanh);
}

}  // namespace shim
