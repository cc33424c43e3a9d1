// Neural-network functions: layers, losses, signal processing, gradient clipping.
#include <cmath>

#include "shim_internal.h"

using shim::T;
using shim::wrap;

namespace {

int64_t reduction_code(int32_t reduction) {
  switch (reduction) {
    case TS_REDUCTION_NONE: return at::Reduction::None;
    case TS_REDUCTION_MEAN: return at::Reduction::Mean;
    case TS_REDUCTION_SUM: return at::Reduction::Sum;
    default: TORCH_CHECK(false, "unknown reduction ", reduction);
  }
}

}  // namespace

extern "C" {

ts_tensor ts_linear(ts_tensor input, ts_tensor weight, ts_tensor bias) {
  SHIM_TRY
  return wrap(at::linear(T(input), T(weight), shim::opt(bias)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_convolution(ts_tensor input, ts_tensor weight, ts_tensor bias, const int64_t* stride,
                         const int64_t* padding, const int64_t* dilation, const int64_t* output_padding,
                         int32_t nspatial, int32_t transposed, int64_t groups) {
  SHIM_TRY
  TORCH_CHECK(nspatial >= 1 && nspatial <= 3, "convolutions have 1 to 3 spatial dimensions, got ", nspatial);
  const auto& x = T(input);
  // Like torch.nn.functional, accept an unbatched input by adding the batch dimension here.
  bool unbatched = x.dim() == nspatial + 1;
  auto batched = unbatched ? x.unsqueeze(0) : x;
  auto result = at::convolution(batched, T(weight), shim::opt(bias), shim::dims(stride, nspatial),
                                shim::dims(padding, nspatial), shim::dims(dilation, nspatial), transposed != 0,
                                shim::dims(output_padding, nspatial), groups);
  return wrap(unbatched ? result.squeeze(0) : result);
  SHIM_CATCH(nullptr)
}

ts_tensor ts_embedding(ts_tensor weight, ts_tensor indices, int64_t padding_idx) {
  SHIM_TRY
  return wrap(at::embedding(T(weight), T(indices), padding_idx));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_layer_norm(ts_tensor input, const int64_t* normalized_shape, int32_t ndim, ts_tensor weight,
                        ts_tensor bias, double eps) {
  SHIM_TRY
  return wrap(at::layer_norm(T(input), shim::dims(normalized_shape, ndim), shim::opt(weight), shim::opt(bias), eps));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_group_norm(ts_tensor input, int64_t groups, ts_tensor weight, ts_tensor bias, double eps) {
  SHIM_TRY
  return wrap(at::group_norm(T(input), groups, shim::opt(weight), shim::opt(bias), eps));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_dropout(ts_tensor input, double p, int32_t train) {
  SHIM_TRY
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability must be in [0, 1], got ", p);
  return wrap(at::dropout(T(input), p, train != 0));
  SHIM_CATCH(nullptr)
}

int32_t ts_lstm(ts_tensor input, ts_tensor h0, ts_tensor c0, const ts_tensor* params, int32_t nparams,
                int32_t has_biases, int64_t num_layers, double dropout, int32_t train, int32_t bidirectional,
                int32_t batch_first, ts_tensor* output, ts_tensor* h_n, ts_tensor* c_n) {
  SHIM_TRY
  const auto& x = T(input);
  auto weights = shim::tensor_list(params, nparams);
  int64_t directions = bidirectional ? 2 : 1;
  int64_t per_direction = has_biases ? 4 : 2;
  TORCH_CHECK(nparams == num_layers * directions * per_direction, "LSTM expects ",
              num_layers * directions * per_direction, " weight tensors, got ", nparams);
  TORCH_CHECK(!weights.empty(), "LSTM has no weights");
  // Unbatched input [T, C]: run as a batch of one, as torch.nn.LSTM does.
  bool unbatched = x.dim() == 2;
  auto batched = unbatched ? x.unsqueeze(batch_first ? 0 : 1) : x;
  TORCH_CHECK(batched.dim() == 3, "LSTM input must be 2-D or 3-D, got ", x.dim(), "-D");
  int64_t batch = batched.size(batch_first ? 0 : 1);
  int64_t hidden = weights[1].size(1);
  at::Tensor h, c;
  if (h0 != nullptr) {
    h = unbatched ? T(h0).unsqueeze(1) : T(h0);
  } else {
    h = at::zeros({num_layers * directions, batch, hidden}, batched.options());
  }
  if (c0 != nullptr) {
    c = unbatched ? T(c0).unsqueeze(1) : T(c0);
  } else {
    c = at::zeros({num_layers * directions, batch, hidden}, batched.options());
  }
  auto result = at::lstm(batched, {h, c}, weights, has_biases != 0, num_layers, dropout, train != 0,
                         bidirectional != 0, batch_first != 0);
  auto y = std::get<0>(result);
  auto hy = std::get<1>(result);
  auto cy = std::get<2>(result);
  if (unbatched) {
    y = y.squeeze(batch_first ? 0 : 1);
    hy = hy.squeeze(1);
    cy = cy.squeeze(1);
  }
  *output = wrap(y);
  *h_n = wrap(hy);
  *c_n = wrap(cy);
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_cross_entropy(ts_tensor logits, ts_tensor target, ts_tensor weight, int32_t reduction,
                           int64_t ignore_index, double label_smoothing) {
  SHIM_TRY
  return wrap(at::cross_entropy_loss(T(logits), T(target), shim::opt(weight), reduction_code(reduction),
                                     ignore_index, label_smoothing));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_nll_loss(ts_tensor log_probs, ts_tensor target, ts_tensor weight, int32_t reduction,
                      int64_t ignore_index) {
  SHIM_TRY
  return wrap(at::nll_loss_nd(T(log_probs), T(target), shim::opt(weight), reduction_code(reduction), ignore_index));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_pointwise_loss(int32_t kind, ts_tensor input, ts_tensor target, int32_t reduction) {
  SHIM_TRY
  auto code = reduction_code(reduction);
  switch (kind) {
    case TS_LOSS_MSE: return wrap(at::mse_loss(T(input), T(target), code));
    case TS_LOSS_L1: return wrap(at::l1_loss(T(input), T(target), code));
    case TS_LOSS_SMOOTH_L1: return wrap(at::smooth_l1_loss(T(input), T(target), code, 1.0));
    case TS_LOSS_BCE_WITH_LOGITS:
      return wrap(at::binary_cross_entropy_with_logits(T(input), T(target), c10::nullopt, c10::nullopt, code));
    default: TORCH_CHECK(false, "unknown loss kind ", kind);
  }
  SHIM_CATCH(nullptr)
}

ts_tensor ts_im2col(ts_tensor input, const int64_t* kernel, const int64_t* dilation, const int64_t* padding,
                    const int64_t* stride) {
  SHIM_TRY
  return wrap(at::im2col(T(input), shim::dims(kernel, 2), shim::dims(dilation, 2), shim::dims(padding, 2),
                         shim::dims(stride, 2)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_col2im(ts_tensor input, const int64_t* output_size, const int64_t* kernel, const int64_t* dilation,
                    const int64_t* padding, const int64_t* stride) {
  SHIM_TRY
  return wrap(at::col2im(T(input), shim::dims(output_size, 2), shim::dims(kernel, 2), shim::dims(dilation, 2),
                         shim::dims(padding, 2), shim::dims(stride, 2)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_stft(ts_tensor input, int64_t n_fft, int64_t hop_length, int64_t win_length, ts_tensor window,
                  int32_t center, int32_t pad_mode, int32_t normalized, int32_t onesided, int32_t return_complex) {
  SHIM_TRY
  static const char* const modes[] = {"constant", "reflect", "replicate", "circular"};
  TORCH_CHECK(pad_mode >= 0 && pad_mode < 4, "unknown pad mode ", pad_mode);
  c10::optional<int64_t> hop = hop_length > 0 ? c10::optional<int64_t>(hop_length) : c10::nullopt;
  c10::optional<int64_t> win = win_length > 0 ? c10::optional<int64_t>(win_length) : c10::nullopt;
  return wrap(at::stft(T(input), n_fft, hop, win, shim::opt(window), center != 0, modes[pad_mode], normalized != 0,
                       c10::optional<bool>(onesided != 0), c10::optional<bool>(return_complex != 0)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_istft(ts_tensor input, int64_t n_fft, int64_t hop_length, int64_t win_length, ts_tensor window,
                   int32_t center, int32_t normalized, int32_t onesided, int64_t length, int32_t return_complex) {
  SHIM_TRY
  c10::optional<int64_t> hop = hop_length > 0 ? c10::optional<int64_t>(hop_length) : c10::nullopt;
  c10::optional<int64_t> win = win_length > 0 ? c10::optional<int64_t>(win_length) : c10::nullopt;
  c10::optional<int64_t> len = length >= 0 ? c10::optional<int64_t>(length) : c10::nullopt;
  return wrap(at::istft(T(input), n_fft, hop, win, shim::opt(window), center != 0, normalized != 0,
                        c10::optional<bool>(onesided != 0), len, return_complex != 0));
  SHIM_CATCH(nullptr)
}

int32_t ts_clip_grad_norm(const ts_tensor* params, int32_t count, double max_norm, double norm_type,
                          double* total_norm) {
  SHIM_TRY
  // Same arithmetic as torch.nn.utils.clip_grad_norm_ in PyTorch 1.13 (norm of per-tensor norms,
  // coefficient clamped at 1 and always applied), so clipped runs match Python step for step.
  std::vector<at::Tensor> grads;
  for (const auto& p : shim::tensor_list(params, count))
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) {
    *total_norm = 0.0;
    return 0;
  }
  at::NoGradGuard no_grad;
  auto device = grads[0].device();
  at::Tensor norm;
  if (std::isinf(norm_type)) {
    std::vector<at::Tensor> maxima;
    for (const auto& g : grads) maxima.push_back(g.detach().abs().max().to(device));
    norm = maxima.size() == 1 ? maxima[0] : at::stack(maxima).max();
  } else {
    std::vector<at::Tensor> norms;
    for (const auto& g : grads) norms.push_back(at::norm(g.detach(), norm_type).to(device));
    norm = at::norm(at::stack(norms), norm_type);
  }
  auto coefficient = at::clamp(max_norm / (norm + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.detach().mul_(coefficient.to(g.device()));
  *total_norm = norm.item<double>();
  return 0;
  SHIM_CATCH(-1)
}

}  // extern "C"
