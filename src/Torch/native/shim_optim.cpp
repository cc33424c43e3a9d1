// Optimizers: torch::optim::AdamW and SGD with parameter groups, learning-rate access and
// per-parameter state export/import (for checkpoints keyed by parameter name on the C# side).
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cstring>
#include <memory>
#include <sstream>
#include <type_traits>

#include "shim_internal.h"

using shim::T;
using shim::wrap;

namespace {

struct Optimizer {
  int32_t kind;
  std::unique_ptr<torch::optim::Optimizer> impl;
};

Optimizer& O(ts_optimizer handle) {
  TORCH_CHECK(handle != nullptr, "optimizer handle is null (disposed or never created)");
  return *reinterpret_cast<Optimizer*>(handle);
}

// libtorch keys its state map by the parameter's TensorImpl: as a string of the pointer in 1.x, as
// the pointer itself in later releases. Deduce which from the map type instead of hard-coding it.
template <typename Map>
typename Map::key_type state_key(const Map&, const at::Tensor& parameter) {
  using Key = typename Map::key_type;
  void* impl = parameter.unsafeGetTensorImpl();
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;  // the same spelling as c10::guts::to_string(pointer)
    text << impl;
    return text.str();
  } else {
    return reinterpret_cast<Key>(impl);
  }
}

const at::Tensor& parameter_at(torch::optim::Optimizer& opt, int32_t group, int32_t index) {
  auto& groups = opt.param_groups();
  TORCH_CHECK(group >= 0 && group < static_cast<int32_t>(groups.size()), "optimizer has no parameter group ", group);
  auto& params = groups[static_cast<size_t>(group)].params();
  TORCH_CHECK(index >= 0 && index < static_cast<int32_t>(params.size()), "parameter group ", group,
              " has no parameter ", index);
  return params[static_cast<size_t>(index)];
}

torch::optim::OptimizerParamState* find_state(torch::optim::Optimizer& opt, const at::Tensor& p) {
  auto& states = opt.state();
  auto found = states.find(state_key(states, p));
  return found == states.end() ? nullptr : found->second.get();
}

// A fresh state in the shape libtorch creates on the first step, so a partial import still steps.
std::unique_ptr<torch::optim::OptimizerParamState> default_state(int32_t kind, const at::Tensor& p) {
  if (kind == TS_OPTIM_ADAMW) {
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(0);
    state->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
    state->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
    state->max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
    return state;
  }
  auto state = std::make_unique<torch::optim::SGDParamState>();
  state->momentum_buffer(at::zeros_like(p, at::MemoryFormat::Preserve));
  return state;
}

}  // namespace

extern "C" {

ts_optimizer ts_optimizer_new(int32_t kind, const ts_tensor* params, const int32_t* group_of_param,
                              int32_t nparams, const double* group_options, int32_t ngroups) {
  SHIM_TRY
  TORCH_CHECK(kind == TS_OPTIM_ADAMW || kind == TS_OPTIM_SGD, "unknown optimizer kind ", kind);
  TORCH_CHECK(ngroups > 0, "an optimizer needs at least one parameter group");
  auto tensors = shim::tensor_list(params, nparams);
  std::vector<std::vector<at::Tensor>> members(static_cast<size_t>(ngroups));
  for (int32_t i = 0; i < nparams; ++i) {
    int32_t g = group_of_param[i];
    TORCH_CHECK(g >= 0 && g < ngroups, "parameter ", i, " names group ", g, " of ", ngroups);
    TORCH_CHECK(tensors[static_cast<size_t>(i)].is_leaf(), "parameter ", i, " is not a leaf tensor");
    members[static_cast<size_t>(g)].push_back(tensors[static_cast<size_t>(i)]);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto result = std::make_unique<Optimizer>();
  result->kind = kind;
  if (kind == TS_OPTIM_ADAMW) {
    std::vector<torch::optim::AdamWOptions> all;
    for (int32_t g = 0; g < ngroups; ++g) {
      const double* o = group_options + 8 * g;
      TORCH_CHECK(o[0] >= 0, "learning rate must be non-negative, got ", o[0]);
      all.push_back(torch::optim::AdamWOptions(o[0]).betas(std::make_tuple(o[1], o[2])).eps(o[3]).weight_decay(o[4]).amsgrad(o[5] != 0));
      groups.emplace_back(members[static_cast<size_t>(g)], std::make_unique<torch::optim::AdamWOptions>(all.back()));
    }
    result->impl = std::make_unique<torch::optim::AdamW>(std::move(groups), all[0]);
  } else {
    std::vector<torch::optim::SGDOptions> all;
    for (int32_t g = 0; g < ngroups; ++g) {
      const double* o = group_options + 8 * g;
      TORCH_CHECK(o[0] >= 0, "learning rate must be non-negative, got ", o[0]);
      all.push_back(torch::optim::SGDOptions(o[0]).momentum(o[1]).dampening(o[2]).weight_decay(o[3]).nesterov(o[4] != 0));
      groups.emplace_back(members[static_cast<size_t>(g)], std::make_unique<torch::optim::SGDOptions>(all.back()));
    }
    result->impl = std::make_unique<torch::optim::SGD>(std::move(groups), all[0]);
  }
  return reinterpret_cast<ts_optimizer>(result.release());
  SHIM_CATCH(nullptr)
}

void ts_optimizer_free(ts_optimizer opt) { delete reinterpret_cast<Optimizer*>(opt); }

int32_t ts_optimizer_step(ts_optimizer opt) {
  SHIM_TRY
  O(opt).impl->step();
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_optimizer_zero_grad(ts_optimizer opt, int32_t set_to_none) {
  SHIM_TRY
  // Written out rather than Optimizer::zero_grad() because its signature changed between releases.
  for (auto& group : O(opt).impl->param_groups()) {
    for (auto& p : group.params()) {
      auto& grad = p.mutable_grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        grad.reset();
      } else {
        grad = grad.detach();
        grad.zero_();
      }
    }
  }
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_optimizer_set_lr(ts_optimizer opt, int32_t group, double lr) {
  SHIM_TRY
  auto& groups = O(opt).impl->param_groups();
  TORCH_CHECK(group >= 0 && group < static_cast<int32_t>(groups.size()), "optimizer has no parameter group ", group);
  TORCH_CHECK(lr >= 0, "learning rate must be non-negative, got ", lr);
  groups[static_cast<size_t>(group)].options().set_lr(lr);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_optimizer_get_lr(ts_optimizer opt, int32_t group, double* lr) {
  SHIM_TRY
  auto& groups = O(opt).impl->param_groups();
  TORCH_CHECK(group >= 0 && group < static_cast<int32_t>(groups.size()), "optimizer has no parameter group ", group);
  *lr = groups[static_cast<size_t>(group)].options().get_lr();
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_optimizer_get_state(ts_optimizer opt, int32_t group, int32_t index, const char* key) {
  SHIM_TRY
  auto& o = O(opt);
  TORCH_CHECK(key != nullptr, "state key is null");
  const auto& p = parameter_at(*o.impl, group, index);
  auto* state = find_state(*o.impl, p);
  if (state == nullptr) return nullptr;
  std::string name(key);
  if (o.kind == TS_OPTIM_ADAMW) {
    auto& s = static_cast<torch::optim::AdamWParamState&>(*state);
    if (name == "step") return wrap(at::scalar_tensor(static_cast<double>(s.step()), at::kDouble));
    if (name == "exp_avg") return wrap(s.exp_avg());
    if (name == "exp_avg_sq") return wrap(s.exp_avg_sq());
    if (name == "max_exp_avg_sq") return s.max_exp_avg_sq().defined() ? wrap(s.max_exp_avg_sq()) : nullptr;
  } else {
    auto& s = static_cast<torch::optim::SGDParamState&>(*state);
    if (name == "momentum_buffer") return s.momentum_buffer().defined() ? wrap(s.momentum_buffer()) : nullptr;
  }
  TORCH_CHECK(false, "optimizer state has no key '", name, "'");
  SHIM_CATCH(nullptr)
}

int32_t ts_optimizer_set_state(ts_optimizer opt, int32_t group, int32_t index, const char* key, ts_tensor value) {
  SHIM_TRY
  auto& o = O(opt);
  TORCH_CHECK(key != nullptr, "state key is null");
  const auto& p = parameter_at(*o.impl, group, index);
  const auto& v = T(value);
  std::string name(key);
  auto& states = o.impl->state();
  auto k = state_key(states, p);
  if (states.find(k) == states.end()) states[k] = default_state(o.kind, p);
  auto* state = states[k].get();
  at::NoGradGuard no_grad;
  auto check_shape = [&](const char* what) {
    TORCH_CHECK(v.sizes() == p.sizes(), "optimizer state '", what, "' has shape ", v.sizes(), " but the parameter has ",
                p.sizes());
  };
  if (o.kind == TS_OPTIM_ADAMW) {
    auto& s = static_cast<torch::optim::AdamWParamState&>(*state);
    if (name == "step") {
      s.step(static_cast<int64_t>(v.item<double>()));
      return 0;
    }
    auto copy = v.detach().to(p.options()).clone();
    if (name == "exp_avg") { check_shape("exp_avg"); s.exp_avg(copy); return 0; }
    if (name == "exp_avg_sq") { check_shape("exp_avg_sq"); s.exp_avg_sq(copy); return 0; }
    if (name == "max_exp_avg_sq") { check_shape("max_exp_avg_sq"); s.max_exp_avg_sq(copy); return 0; }
  } else if (name == "momentum_buffer") {
    check_shape("momentum_buffer");
    static_cast<torch::optim::SGDParamState&>(*state).momentum_buffer(v.detach().to(p.options()).clone());
    return 0;
  }
  TORCH_CHECK(false, "optimizer state has no key '", name, "'");
  SHIM_CATCH(-1)
}

}  // extern "C"
