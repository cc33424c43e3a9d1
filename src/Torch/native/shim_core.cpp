// Errors, runtime settings, random state, tensor metadata, creation and conversion.
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>

#include <cstring>
#include <mutex>
#include <sstream>

#include "shim_internal.h"

namespace shim {

namespace {
thread_local std::string error_message;
thread_local int32_t error_kind = TS_OK;
}  // namespace

void set_error(int32_t kind, const char* message) {
  error_kind = kind;
  try {
    error_message = message != nullptr ? message : "";
  } catch (...) {
    error_message.clear();
  }
}

void clear_error() { error_kind = TS_OK; }

std::vector<at::Tensor> tensor_list(const ts_tensor* handles, int32_t count) {
  TORCH_CHECK(count >= 0, "negative tensor count ", count);
  TORCH_CHECK(count == 0 || handles != nullptr, "tensor list is null");
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) list.push_back(T(handles[i]));
  return list;
}

namespace {

at::Generator default_generator(int32_t device_type, int32_t device_index) {
  if (device_type == 0) return at::detail::getDefaultCPUGenerator();
  TORCH_CHECK(device_type == 1, "unknown device type code ", device_type);
  auto count = static_cast<int64_t>(torch::cuda::device_count());
  TORCH_CHECK(count > 0, "CUDA is not available in this libtorch or on this machine");
  int32_t index = device_index < 0 ? 0 : device_index;
  TORCH_CHECK(index < count, "CUDA device ", index, " does not exist (", count, " devices)");
  // Context::defaultGenerator(Device) exists under this name in libtorch 1.x and 2.x alike, unlike the
  // CUDA hooks' own accessor, which was renamed.
  return at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index)));
}

at::Generator generator_of(ts_generator gen, int32_t device_type, int32_t device_index) {
  if (gen != nullptr) return *reinterpret_cast<at::Generator*>(gen);
  return default_generator(device_type, device_index);
}

c10::optional<at::Generator> optional_generator(ts_generator gen) {
  if (gen == nullptr) return c10::nullopt;
  return *reinterpret_cast<at::Generator*>(gen);
}

}  // namespace
}  // namespace shim

using shim::T;
using shim::wrap;

extern "C" {

int32_t ts_last_error_kind(void) { return shim::error_kind; }
const char* ts_last_error_message(void) { return shim::error_message.c_str(); }

// ---- runtime -------------------------------------------------------------------------------

int32_t ts_version(int32_t* major, int32_t* minor, int32_t* patch) {
  SHIM_TRY
  *major = TORCH_VERSION_MAJOR;
  *minor = TORCH_VERSION_MINOR;
  *patch = TORCH_VERSION_PATCH;
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_set_num_threads(int32_t n) {
  SHIM_TRY
  TORCH_CHECK(n > 0, "thread count must be positive, got ", n);
  at::set_num_threads(n);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_get_num_threads(void) {
  SHIM_TRY
  return at::get_num_threads();
  SHIM_CATCH(-1)
}

int32_t ts_cuda_device_count(void) {
  SHIM_TRY
  return static_cast<int32_t>(torch::cuda::device_count());
  SHIM_CATCH(-1)
}

const char* ts_build_config(void) {
  SHIM_TRY
  static const std::string config = at::show_config();
  return config.c_str();
  SHIM_CATCH(nullptr)
}

const char* ts_parallel_info(void) {
  SHIM_TRY
  // Not cached: the thread counts change with ts_set_num_threads.
  thread_local std::string info;
  info = at::get_parallel_info();
  return info.c_str();
  SHIM_CATCH(nullptr)
}

int32_t ts_cuda_synchronize(int32_t device_index) {
  SHIM_TRY
  TORCH_CHECK(torch::cuda::device_count() > 0, "CUDA is not available");
  // A blocking copy of a one-element tensor orders after all queued work on that device.
  auto probe = at::zeros({1}, at::TensorOptions().device(at::kCUDA, device_index < 0 ? 0 : device_index));
  (void)probe.to(at::kCPU).item<float>();
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_set_grad_enabled(int32_t enabled) {
  SHIM_TRY
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(enabled != 0);
  return previous ? 1 : 0;
  SHIM_CATCH(-1)
}

int32_t ts_is_grad_enabled(void) {
  SHIM_TRY
  return c10::GradMode::is_enabled() ? 1 : 0;
  SHIM_CATCH(-1)
}

// ---- random state --------------------------------------------------------------------------

int32_t ts_manual_seed(uint64_t seed) {
  SHIM_TRY
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  auto count = static_cast<int64_t>(torch::cuda::device_count());
  for (int64_t i = 0; i < count; ++i) {
    auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  return 0;
  SHIM_CATCH(-1)
}

ts_generator ts_generator_new(uint64_t seed, int32_t device_type, int32_t device_index) {
  SHIM_TRY
  TORCH_CHECK(device_type == 0, "only CPU generators can be created; CUDA work uses the device's default generator");
  return reinterpret_cast<ts_generator>(new at::Generator(at::detail::createCPUGenerator(seed)));
  SHIM_CATCH(nullptr)
}

void ts_generator_free(ts_generator gen) { delete reinterpret_cast<at::Generator*>(gen); }

ts_tensor ts_generator_get_state(ts_generator gen, int32_t device_type, int32_t device_index) {
  SHIM_TRY
  auto generator = shim::generator_of(gen, device_type, device_index);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return wrap(generator.get_state());
  SHIM_CATCH(nullptr)
}

int32_t ts_generator_set_state(ts_generator gen, int32_t device_type, int32_t device_index,
                               ts_tensor state) {
  SHIM_TRY
  auto generator = shim::generator_of(gen, device_type, device_index);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(T(state));
  return 0;
  SHIM_CATCH(-1)
}

// ---- tensor handles and metadata -----------------------------------------------------------

void ts_tensor_free(ts_tensor t) { delete reinterpret_cast<at::Tensor*>(t); }

ts_tensor ts_tensor_alias(ts_tensor t) {
  SHIM_TRY
  return wrap(T(t));
  SHIM_CATCH(nullptr)
}

int64_t ts_tensor_dim(ts_tensor t) {
  SHIM_TRY
  return T(t).dim();
  SHIM_CATCH(-1)
}

int32_t ts_tensor_sizes(ts_tensor t, int64_t* out, int32_t capacity) {
  SHIM_TRY
  auto sizes = T(t).sizes();
  TORCH_CHECK(static_cast<int64_t>(sizes.size()) <= capacity, "size buffer too small");
  std::copy(sizes.begin(), sizes.end(), out);
  return static_cast<int32_t>(sizes.size());
  SHIM_CATCH(-1)
}

int32_t ts_tensor_strides(ts_tensor t, int64_t* out, int32_t capacity) {
  SHIM_TRY
  auto strides = T(t).strides();
  TORCH_CHECK(static_cast<int64_t>(strides.size()) <= capacity, "stride buffer too small");
  std::copy(strides.begin(), strides.end(), out);
  return static_cast<int32_t>(strides.size());
  SHIM_CATCH(-1)
}

int64_t ts_tensor_numel(ts_tensor t) {
  SHIM_TRY
  return T(t).numel();
  SHIM_CATCH(-1)
}

int32_t ts_tensor_dtype(ts_tensor t) {
  SHIM_TRY
  return static_cast<int32_t>(T(t).scalar_type());
  SHIM_CATCH(-1)
}

int32_t ts_tensor_device(ts_tensor t, int32_t* type, int32_t* index) {
  SHIM_TRY
  auto device = T(t).device();
  TORCH_CHECK(device.is_cpu() || device.is_cuda(), "tensor lives on an unsupported device ", device);
  *type = device.is_cpu() ? 0 : 1;
  *index = device.index();
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_tensor_is_contiguous(ts_tensor t) {
  SHIM_TRY
  return T(t).is_contiguous() ? 1 : 0;
  SHIM_CATCH(-1)
}

void* ts_tensor_data_ptr(ts_tensor t) {
  SHIM_TRY
  return T(t).data_ptr();
  SHIM_CATCH(nullptr)
}

int32_t ts_tensor_requires_grad(ts_tensor t) {
  SHIM_TRY
  return T(t).requires_grad() ? 1 : 0;
  SHIM_CATCH(-1)
}

int32_t ts_tensor_set_requires_grad(ts_tensor t, int32_t requires_grad) {
  SHIM_TRY
  T(t).set_requires_grad(requires_grad != 0);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_tensor_is_leaf(ts_tensor t) {
  SHIM_TRY
  return T(t).is_leaf() ? 1 : 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_tensor_grad(ts_tensor t) {
  SHIM_TRY
  const auto& grad = T(t).grad();
  if (!grad.defined()) return nullptr;
  return wrap(grad);
  SHIM_CATCH(nullptr)
}

int32_t ts_tensor_set_grad(ts_tensor t, ts_tensor grad) {
  SHIM_TRY
  T(t).mutable_grad() = shim::or_undefined(grad);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_tensor_backward(ts_tensor t, ts_tensor grad, int32_t retain_graph, int32_t create_graph) {
  SHIM_TRY
  c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
  T(t).backward(shim::or_undefined(grad), retain, create_graph != 0);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_tensor_item(ts_tensor t, double* out) {
  SHIM_TRY
  *out = T(t).item<double>();
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_tensor_item_int64(ts_tensor t, int64_t* out) {
  SHIM_TRY
  *out = T(t).item<int64_t>();
  return 0;
  SHIM_CATCH(-1)
}

int64_t ts_tensor_to_string(ts_tensor t, char* buffer, int64_t capacity) {
  SHIM_TRY
  std::ostringstream stream;
  stream << T(t);
  auto text = stream.str();
  auto length = static_cast<int64_t>(text.size());
  if (buffer != nullptr && capacity > 0)
    std::memcpy(buffer, text.data(), static_cast<size_t>(std::min(length, capacity)));
  return length;
  SHIM_CATCH(-1)
}

// ---- creation ------------------------------------------------------------------------------

ts_tensor ts_new(int32_t fill_kind, const int64_t* sizes, int32_t ndim, ts_scalar value, int32_t dtype,
                 int32_t device_type, int32_t device_index, ts_generator gen, int32_t requires_grad) {
  SHIM_TRY
  auto shape = shim::dims(sizes, ndim);
  auto options = shim::options(dtype, device_type, device_index);
  at::Tensor result;
  switch (fill_kind) {
    case TS_FILL_EMPTY: result = at::empty(shape, options); break;
    case TS_FILL_ZEROS: result = at::zeros(shape, options); break;
    case TS_FILL_ONES: result = at::ones(shape, options); break;
    case TS_FILL_FULL: result = at::full(shape, shim::scalar(value), options); break;
    case TS_FILL_RANDN: result = at::randn(shape, shim::optional_generator(gen), options); break;
    case TS_FILL_RAND: result = at::rand(shape, shim::optional_generator(gen), options); break;
    default: TORCH_CHECK(false, "unknown fill kind ", fill_kind);
  }
  if (requires_grad) result.set_requires_grad(true);
  return wrap(std::move(result));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_new_like(int32_t fill_kind, ts_tensor like, ts_scalar value, int32_t dtype, int32_t device_type,
                      int32_t device_index) {
  SHIM_TRY
  const auto& source = T(like);
  auto options = source.options();
  if (dtype >= 0) options = options.dtype(shim::dtype(dtype));
  if (device_type >= 0) options = options.device(shim::device(device_type, device_index));
  switch (fill_kind) {
    case TS_FILL_EMPTY: return wrap(at::empty_like(source, options));
    case TS_FILL_ZEROS: return wrap(at::zeros_like(source, options));
    case TS_FILL_ONES: return wrap(at::ones_like(source, options));
    case TS_FILL_FULL: return wrap(at::full_like(source, shim::scalar(value), options));
    case TS_FILL_RANDN: return wrap(at::randn_like(source, options));
    case TS_FILL_RAND: return wrap(at::rand_like(source, options));
    default: TORCH_CHECK(false, "unknown fill kind ", fill_kind);
  }
  SHIM_CATCH(nullptr)
}

ts_tensor ts_arange(ts_scalar start, ts_scalar end, ts_scalar step, int32_t dtype, int32_t device_type,
                    int32_t device_index, int32_t requires_grad) {
  SHIM_TRY
  auto options = at::TensorOptions().device(shim::device(device_type, device_index));
  if (dtype >= 0) options = options.dtype(shim::dtype(dtype));
  auto result = at::arange(shim::scalar(start), shim::scalar(end), shim::scalar(step), options);
  if (requires_grad) result.set_requires_grad(true);
  return wrap(std::move(result));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t device_type,
                      int32_t device_index) {
  SHIM_TRY
  return wrap(at::linspace(start, end, steps, shim::options(dtype, device_type, device_index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_eye(int64_t n, int64_t m, int32_t dtype, int32_t device_type, int32_t device_index) {
  SHIM_TRY
  return wrap(at::eye(n, m, shim::options(dtype, device_type, device_index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_randint(int64_t low, int64_t high, const int64_t* sizes, int32_t ndim, int32_t dtype,
                     int32_t device_type, int32_t device_index, ts_generator gen) {
  SHIM_TRY
  return wrap(at::randint(low, high, shim::dims(sizes, ndim), shim::optional_generator(gen),
                          shim::options(dtype, device_type, device_index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_randperm(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index, ts_generator gen) {
  SHIM_TRY
  return wrap(at::randperm(n, shim::optional_generator(gen), shim::options(dtype, device_type, device_index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_window(int32_t kind, int64_t length, int32_t periodic, int32_t dtype, int32_t device_type,
                    int32_t device_index) {
  SHIM_TRY
  auto options = shim::options(dtype, device_type, device_index);
  switch (kind) {
    case 0: return wrap(at::hann_window(length, periodic != 0, options));
    case 1: return wrap(at::hamming_window(length, periodic != 0, options));
    default: TORCH_CHECK(false, "unknown window kind ", kind);
  }
  SHIM_CATCH(nullptr)
}

ts_tensor ts_from_data(const void* data, int64_t nbytes, const int64_t* sizes, int32_t ndim, int32_t dtype,
                       int32_t device_type, int32_t device_index) {
  SHIM_TRY
  auto shape = shim::dims(sizes, ndim);
  auto cpu = at::empty(shape, at::TensorOptions().dtype(shim::dtype(dtype)));
  auto expected = static_cast<int64_t>(cpu.nbytes());
  TORCH_CHECK(nbytes == expected, "source holds ", nbytes, " bytes but shape ", shape, " of ",
              cpu.scalar_type(), " needs ", expected);
  TORCH_CHECK(nbytes == 0 || data != nullptr, "source data is null");
  if (nbytes > 0) std::memcpy(cpu.data_ptr(), data, static_cast<size_t>(nbytes));
  if (device_type == 0) return wrap(std::move(cpu));
  return wrap(cpu.to(shim::device(device_type, device_index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_from_blob(void* data, const int64_t* sizes, int32_t ndim, int32_t dtype,
                       void (*deleter)(void* context), void* context) {
  SHIM_TRY
  auto shape = shim::dims(sizes, ndim);
  TORCH_CHECK(data != nullptr || c10::multiply_integers(shape) == 0, "blob data is null");
  auto release = [deleter, context](void*) {
    if (deleter != nullptr) deleter(context);
  };
  return wrap(at::from_blob(data, shape, release, at::TensorOptions().dtype(shim::dtype(dtype))));
  SHIM_CATCH(nullptr)
}

int32_t ts_copy_to_host(ts_tensor t, void* destination, int64_t nbytes) {
  SHIM_TRY
  // resolve_conj/resolve_neg materialise lazy conjugation and negation (autograd hands such views
  // out as gradients), so the bytes copied are the values the tensor stands for.
  auto cpu = T(t).detach().resolve_conj().resolve_neg().to(at::kCPU).contiguous();
  auto expected = static_cast<int64_t>(cpu.nbytes());
  TORCH_CHECK(nbytes == expected, "destination holds ", nbytes, " bytes but the tensor has ", expected);
  if (nbytes > 0) std::memcpy(destination, cpu.data_ptr(), static_cast<size_t>(nbytes));
  return 0;
  SHIM_CATCH(-1)
}

// ---- conversion and copies -----------------------------------------------------------------

ts_tensor ts_to(ts_tensor t, int32_t dtype, int32_t device_type, int32_t device_index, int32_t non_blocking,
                int32_t copy) {
  SHIM_TRY
  const auto& source = T(t);
  auto target_dtype = dtype < 0 ? source.scalar_type() : shim::dtype(dtype);
  auto target_device = device_type < 0 ? source.device() : shim::device(device_type, device_index);
  return wrap(source.to(target_device, target_dtype, non_blocking != 0, copy != 0));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_contiguous(ts_tensor t) {
  SHIM_TRY
  return wrap(T(t).contiguous());
  SHIM_CATCH(nullptr)
}

ts_tensor ts_clone(ts_tensor t) {
  SHIM_TRY
  return wrap(T(t).clone());
  SHIM_CATCH(nullptr)
}

ts_tensor ts_detach(ts_tensor t) {
  SHIM_TRY
  return wrap(T(t).detach());
  SHIM_CATCH(nullptr)
}

int32_t ts_copy_(ts_tensor destination, ts_tensor source, int32_t non_blocking) {
  SHIM_TRY
  T(destination).copy_(T(source), non_blocking != 0);
  return 0;
  SHIM_CATCH(-1)
}

}  // extern "C"
