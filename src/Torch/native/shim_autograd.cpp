// Autograd beyond Tensor.backward: torch.autograd.grad, reentrant gradient checkpointing, and the
// autocast regions of mixed precision (which checkpointing has to replay).
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/Generator.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

#include "shim_internal.h"

// PyTorch 2.4 made the autocast C++ API device-generic (is_autocast_enabled(device), set_autocast_dtype(device, dtype),
// pytorch/pytorch#124359) and deprecated the per-device names used before (is_cpu_enabled, set_autocast_gpu_dtype, ...)
// with their removal announced, so each libtorch gets the names it documents.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define SHIM_DEVICE_GENERIC_AUTOCAST 1
#else
#define SHIM_DEVICE_GENERIC_AUTOCAST 0
#endif

namespace shim {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// ---- autocast ------------------------------------------------------------------------------

struct AutocastSetting {
  bool enabled;
  at::ScalarType dtype;
};

at::DeviceType autocast_device(int32_t code) {
  TORCH_CHECK_VALUE(code == 0 || code == 1, "unknown device type code ", code);
  return code == 0 ? at::kCPU : at::kCUDA;
}

AutocastSetting autocast_get(at::DeviceType device) {
#if SHIM_DEVICE_GENERIC_AUTOCAST
  return {at::autocast::is_autocast_enabled(device), at::autocast::get_autocast_dtype(device)};
#else
  if (device == at::kCPU) return {at::autocast::is_cpu_enabled(), at::autocast::get_autocast_cpu_dtype()};
  return {at::autocast::is_enabled(), at::autocast::get_autocast_gpu_dtype()};
#endif
}

void autocast_set(at::DeviceType device, AutocastSetting setting) {
#if SHIM_DEVICE_GENERIC_AUTOCAST
  at::autocast::set_autocast_enabled(device, setting.enabled);
  at::autocast::set_autocast_dtype(device, setting.dtype);
#else
  if (device == at::kCPU) {
    at::autocast::set_cpu_enabled(setting.enabled);
    at::autocast::set_autocast_cpu_dtype(setting.dtype);
  } else {
    at::autocast::set_enabled(setting.enabled);
    at::autocast::set_autocast_gpu_dtype(setting.dtype);
  }
#endif
}

// torch.autocast's __enter__ and __exit__. The nesting count identifies the outermost exit, which drops the cache
// of weights cast to the lower precision (they would otherwise stay alive, and stale once the weights change).
AutocastSetting autocast_enter(at::DeviceType device, AutocastSetting setting) {
  auto previous = autocast_get(device);
  autocast_set(device, setting);
  at::autocast::increment_nesting();
  return previous;
}

void autocast_exit(at::DeviceType device, AutocastSetting previous) {
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  autocast_set(device, previous);
}

// The forward's autocast state re-entered for a recomputation, left again however the recomputation ends.
class AutocastReplay {
 public:
  AutocastReplay(AutocastSetting cpu, AutocastSetting cuda)
      : previous_cpu_(autocast_enter(at::kCPU, cpu)), previous_cuda_(autocast_enter(at::kCUDA, cuda)) {}
  AutocastReplay(const AutocastReplay&) = delete;
  AutocastReplay& operator=(const AutocastReplay&) = delete;
  ~AutocastReplay() {
    autocast_exit(at::kCUDA, previous_cuda_);
    autocast_exit(at::kCPU, previous_cpu_);
  }

 private:
  AutocastSetting previous_cpu_;
  AutocastSetting previous_cuda_;
};

// ---- random state --------------------------------------------------------------------------

// States of the CPU generator and of the default generator of each CUDA device the inputs live on (what
// torch.utils.checkpoint preserves with preserve_rng_state=True).
struct RngStates {
  at::Tensor cpu;
  std::vector<std::pair<at::Device, at::Tensor>> cuda;
};

at::Generator generator_for(at::Device device) {
  if (device.is_cpu()) return at::detail::getDefaultCPUGenerator();
  return at::globalContext().defaultGenerator(device);
}

at::Tensor state_of(at::Device device) {
  auto generator = generator_for(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void restore(at::Device device, const at::Tensor& state) {
  auto generator = generator_for(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

RngStates capture_rng(const variable_list& inputs) {
  RngStates states{state_of(at::kCPU), {}};
  for (const auto& input : inputs) {
    if (!input.is_cuda()) continue;
    auto device = input.device();
    bool seen = false;
    for (const auto& entry : states.cuda) seen = seen || entry.first == device;
    if (!seen) states.cuda.emplace_back(device, state_of(device));
  }
  return states;
}

RngStates current_rng_like(const RngStates& like) {
  RngStates states{state_of(at::kCPU), {}};
  for (const auto& entry : like.cuda) states.cuda.emplace_back(entry.first, state_of(entry.first));
  return states;
}

void restore_rng(const RngStates& states) {
  restore(at::kCPU, states.cpu);
  for (const auto& entry : states.cuda) restore(entry.first, entry.second);
}

// torch.random.fork_rng: body runs under `replay`; afterwards the generators continue from where they were, so a
// backward pass leaves the random streams of the training loop untouched.
template <class Body>
auto with_rng(const RngStates& replay, Body&& body) -> decltype(body()) {
  auto current = current_rng_like(replay);
  restore_rng(replay);
  try {
    auto result = body();
    restore_rng(current);
    return result;
  } catch (...) {
    restore_rng(current);
    throw;
  }
}

// ---- checkpoint ----------------------------------------------------------------------------

// The managed block and what its recomputation must reproduce. Owned by the autograd node (through its saved
// data), so the managed context lives exactly as long as the graph that may call it.
struct CheckpointClosure : torch::CustomClassHolder {
  CheckpointClosure(ts_checkpoint_fn function, void* context, void (*deleter)(void*))
      : function(function), context(context), deleter(deleter) {}
  CheckpointClosure(const CheckpointClosure&) = delete;
  CheckpointClosure& operator=(const CheckpointClosure&) = delete;
  ~CheckpointClosure() override { deleter(context); }

  // Runs the block on borrowed inputs and takes ownership of the handles it returns.
  variable_list call(const variable_list& inputs, int32_t limit) const {
    std::vector<ts_tensor> borrowed;
    borrowed.reserve(inputs.size());
    for (const auto& input : inputs) borrowed.push_back(reinterpret_cast<ts_tensor>(const_cast<at::Tensor*>(&input)));
    std::vector<ts_tensor> produced(static_cast<size_t>(limit), nullptr);
    std::array<char, 4096> error{};
    int32_t count = function(context, borrowed.data(), static_cast<int32_t>(borrowed.size()), produced.data(), limit,
                             error.data(), static_cast<int32_t>(error.size()));
    // A message that filled the buffer without its terminator still ends inside it.
    error.back() = '\0';
    TORCH_CHECK(count >= 0, "checkpointed function failed: ", error.data());
    // Every handle written is owned before anything is checked, so none leaks when a check fails.
    std::vector<std::unique_ptr<at::Tensor>> owned;
    for (int32_t i = 0; i < std::min(count, limit); ++i) owned.emplace_back(reinterpret_cast<at::Tensor*>(produced[i]));
    TORCH_CHECK(count <= limit, "checkpointed function returned ", count, " tensors; at most ", limit,
                " are supported");
    variable_list outputs;
    outputs.reserve(owned.size());
    for (const auto& output : owned) {
      TORCH_CHECK(output != nullptr && output->defined(), "checkpointed function returned a null tensor");
      outputs.push_back(*output);
    }
    return outputs;
  }

  const ts_checkpoint_fn function;
  void* const context;
  void (*const deleter)(void*);
  int32_t capacity = 0;
  size_t noutputs = 0;
  RngStates rng;
  AutocastSetting cpu_autocast{false, at::kBFloat16};
  AutocastSetting cuda_autocast{false, at::kHalf};
};

// Owns the managed context until a closure takes it over, so the deleter runs exactly once on every path.
class ContextOwner {
 public:
  ContextOwner(void (*deleter)(void*), void* context) : deleter_(deleter), context_(context) {}
  ContextOwner(const ContextOwner&) = delete;
  ContextOwner& operator=(const ContextOwner&) = delete;
  ~ContextOwner() {
    if (deleter_ != nullptr) deleter_(context_);
  }
  void release() { deleter_ = nullptr; }

 private:
  void (*deleter_)(void*);
  void* context_;
};

const char* const kClosureKey = "checkpoint_closure";

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  // Function::apply runs this with grad mode off, so nothing inside the block is recorded: its activations are
  // freed as soon as the block is done with them, and only the inputs are kept.
  static variable_list forward(AutogradContext* ctx, at::TensorList inputs,
                               const c10::intrusive_ptr<CheckpointClosure>& closure) {
    variable_list arguments(inputs.begin(), inputs.end());
    closure->rng = capture_rng(arguments);
    closure->cpu_autocast = autocast_get(at::kCPU);
    closure->cuda_autocast = autocast_get(at::kCUDA);
    auto outputs = closure->call(arguments, closure->capacity);
    TORCH_CHECK(!outputs.empty(), "checkpointed function returned no tensors");
    closure->noutputs = outputs.size();
    ctx->save_for_backward(arguments);
    ctx->saved_data[kClosureKey] = at::IValue::make_capsule(c10::intrusive_ptr<torch::CustomClassHolder>(closure));
    return outputs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    // The recomputed block accumulates into .grad; under autograd.grad or backward(inputs=...) that would leak
    // gradients into parameters instead of returning them, so it is refused, as in PyTorch.
    TORCH_CHECK(torch::autograd::Engine::get_default_engine().is_checkpoint_valid(),
                "checkpoint is not compatible with autograd.grad() or backward(inputs=...); use backward()");
    auto holder = ctx->saved_data.at(kClosureKey).toCapsule();
    const auto& closure = *static_cast<CheckpointClosure*>(holder.get());
    variable_list detached;
    for (const auto& input : ctx->get_saved_variables()) {
      auto copy = input.detach();
      copy.set_requires_grad(input.requires_grad());
      detached.push_back(std::move(copy));
    }
    auto outputs = with_rng(closure.rng, [&] {
      AutocastReplay autocast(closure.cpu_autocast, closure.cuda_autocast);
      c10::AutoGradMode enable_grad(true);
      return closure.call(detached, closure.capacity);
    });
    TORCH_CHECK(outputs.size() == closure.noutputs, "checkpointed function returned ", outputs.size(),
                " tensors when recomputed but ", closure.noutputs, " in the forward pass");
    variable_list roots;
    variable_list seeds;
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (!outputs[i].requires_grad()) continue;
      roots.push_back(outputs[i]);
      seeds.push_back(grad_outputs[i]);
    }
    TORCH_CHECK(!roots.empty(), "none of the checkpointed function's outputs requires grad; nothing to backpropagate");
    torch::autograd::backward(roots, seeds);
    variable_list grads;
    grads.reserve(detached.size() + 1);
    for (const auto& input : detached) grads.push_back(input.grad());
    // The closure argument of forward has no gradient.
    grads.emplace_back();
    return grads;
  }
};

}  // namespace
}  // namespace shim

using shim::T;
using shim::wrap;

extern "C" {

// ---- autograd extras -----------------------------------------------------------------------

int32_t ts_autograd_grad(const ts_tensor* outputs, int32_t noutputs, const ts_tensor* inputs, int32_t ninputs,
                         const ts_tensor* grad_outputs, int32_t retain_graph, int32_t create_graph,
                         int32_t allow_unused, ts_tensor* results) {
  SHIM_TRY
  auto roots = shim::tensor_list(outputs, noutputs);
  auto leaves = shim::tensor_list(inputs, ninputs);
  TORCH_CHECK(results != nullptr || ninputs == 0, "result list is null");
  torch::autograd::variable_list seeds;
  if (grad_outputs != nullptr) {
    seeds.reserve(roots.size());
    for (int32_t i = 0; i < noutputs; ++i) seeds.push_back(shim::or_undefined(grad_outputs[i]));
  }
  c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
  auto grads = torch::autograd::grad(roots, leaves, seeds, retain, create_graph != 0, allow_unused != 0);
  for (size_t i = 0; i < grads.size(); ++i) results[i] = grads[i].defined() ? wrap(grads[i]) : nullptr;
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_checkpoint(ts_checkpoint_fn function, void* context, void (*deleter)(void*), const ts_tensor* inputs,
                      int32_t ninputs, ts_tensor* outputs, int32_t capacity) {
  shim::ContextOwner owner(deleter, context);
  SHIM_TRY
  TORCH_CHECK(function != nullptr && deleter != nullptr, "checkpoint function or deleter is null");
  auto closure = c10::make_intrusive<shim::CheckpointClosure>(function, context, deleter);
  owner.release();
  TORCH_CHECK(capacity > 0 && outputs != nullptr, "checkpoint needs room for at least one output");
  auto arguments = shim::tensor_list(inputs, ninputs);
  closure->capacity = capacity;
  auto results = shim::CheckpointFunction::apply(at::TensorList(arguments), closure);
  // The closure's own check keeps the count within capacity.
  for (size_t i = 0; i < results.size(); ++i) outputs[i] = wrap(results[i]);
  return static_cast<int32_t>(results.size());
  SHIM_CATCH(-1)
}

// ---- automatic mixed precision -------------------------------------------------------------

int32_t ts_autocast_enter(int32_t device_type, int32_t dtype, int32_t enabled, int32_t* previous_enabled,
                          int32_t* previous_dtype) {
  SHIM_TRY
  auto device = shim::autocast_device(device_type);
  auto type = shim::dtype(dtype);
  if (enabled != 0) {
    if (device == at::kCPU) {
      TORCH_CHECK_VALUE(type == at::kBFloat16, "CPU autocast supports only bfloat16, not ", type);
    } else {
      TORCH_CHECK_VALUE(type == at::kHalf || type == at::kBFloat16, "CUDA autocast supports float16 and bfloat16, not ",
                        type);
      TORCH_CHECK_VALUE(torch::cuda::device_count() > 0,
                        "CUDA autocast was requested but CUDA is not available in this libtorch or on this machine");
    }
  }
  // A disabled region keeps the dtype: libtorch 1.13 rejects any CPU dtype but bfloat16 even with autocast off.
  auto current = shim::autocast_get(device);
  auto previous = shim::autocast_enter(device, {enabled != 0, enabled != 0 ? type : current.dtype});
  *previous_enabled = previous.enabled ? 1 : 0;
  *previous_dtype = static_cast<int32_t>(previous.dtype);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_autocast_exit(int32_t device_type, int32_t previous_enabled, int32_t previous_dtype) {
  SHIM_TRY
  shim::autocast_exit(shim::autocast_device(device_type), {previous_enabled != 0, shim::dtype(previous_dtype)});
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_autocast_state(int32_t device_type, int32_t* enabled, int32_t* dtype) {
  SHIM_TRY
  auto state = shim::autocast_get(shim::autocast_device(device_type));
  *enabled = state.enabled ? 1 : 0;
  *dtype = static_cast<int32_t>(state.dtype);
  return 0;
  SHIM_CATCH(-1)
}

}  // extern "C"

// ---- gradient-ready hooks ----------------------------------------------------------------

namespace shim {

struct GradHooks {
  // Shared with every hook: the hooks stay on the accumulators after ts_grad_hooks_free, disarmed.
  struct State {
    std::atomic<bool> armed{false};
    ts_grad_ready_fn ready = nullptr;
    void* context = nullptr;
  };
  std::shared_ptr<State> state = std::make_shared<State>();
  // A variable holds its accumulator weakly: without these the node (and its hook) would go with each graph.
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;
};

}  // namespace shim

ts_grad_hooks ts_grad_hooks_new(const ts_tensor* params, int32_t count, ts_grad_ready_fn ready, void* context) {
  SHIM_TRY
  TORCH_CHECK_VALUE(ready != nullptr, "gradient-ready callback is null");
  TORCH_CHECK_VALUE(count >= 0 && (count == 0 || params != nullptr), "parameter list is null or its count negative");
  auto hooks = std::make_unique<shim::GradHooks>();
  hooks->state->ready = ready;
  hooks->state->context = context;
  for (int32_t i = 0; i < count; i++) {
    const at::Tensor& parameter = shim::T(params[i]);
    TORCH_CHECK_VALUE(parameter.is_leaf() && parameter.requires_grad(), "parameter ", i,
                      " is not a leaf that requires grad, so it has no gradient accumulator");
    auto accumulator = torch::autograd::impl::grad_accumulator(parameter);
    TORCH_CHECK(accumulator != nullptr, "parameter ", i, " has no gradient accumulator");
    std::shared_ptr<shim::GradHooks::State> state = hooks->state;
    accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [state, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          if (state->armed.load()) state->ready(state->context, i);
          return outputs;
        }));
    hooks->accumulators.push_back(std::move(accumulator));
  }
  return reinterpret_cast<ts_grad_hooks>(hooks.release());
  SHIM_CATCH(nullptr)
}

int32_t ts_grad_hooks_arm(ts_grad_hooks handle, int32_t armed) {
  SHIM_TRY
  TORCH_CHECK(handle != nullptr, "gradient hooks handle is null (freed or never created)");
  reinterpret_cast<shim::GradHooks*>(handle)->state->armed.store(armed != 0);
  return 0;
  SHIM_CATCH(-1)
}

void ts_grad_hooks_free(ts_grad_hooks handle) {
  if (handle == nullptr) return;
  auto* hooks = reinterpret_cast<shim::GradHooks*>(handle);
  hooks->state->armed.store(false);
  delete hooks;
}
