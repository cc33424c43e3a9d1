// Internal helpers shared by the shim's translation units; never installed or exported.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <new>
#include <string>
#include <vector>

#include "torch_shim.h"

namespace shim {

void set_error(int32_t kind, const char* message);
void clear_error();

inline at::Tensor& T(ts_tensor handle) {
  TORCH_CHECK(handle != nullptr, "tensor handle is null (disposed or never created)");
  return *reinterpret_cast<at::Tensor*>(handle);
}

// Optional tensor arguments arrive as NULL handles.
inline c10::optional<at::Tensor> opt(ts_tensor handle) {
  if (handle == nullptr) return c10::nullopt;
  return *reinterpret_cast<at::Tensor*>(handle);
}

// An undefined at::Tensor where ATen expects "no tensor" as a plain Tensor argument.
inline at::Tensor or_undefined(ts_tensor handle) {
  return handle == nullptr ? at::Tensor() : *reinterpret_cast<at::Tensor*>(handle);
}

inline ts_tensor wrap(at::Tensor tensor) {
  return reinterpret_cast<ts_tensor>(new at::Tensor(std::move(tensor)));
}

inline at::Scalar scalar(ts_scalar value) {
  switch (value.kind) {
    case 1: return at::Scalar(value.integer);
    case 2: return at::Scalar(value.integer != 0);
    default: return at::Scalar(value.real);
  }
}

inline at::IntArrayRef dims(const int64_t* data, int32_t count) {
  TORCH_CHECK(count >= 0, "negative dimension count ", count);
  return at::IntArrayRef(data, static_cast<size_t>(count));
}

inline at::ScalarType dtype(int32_t code) {
  TORCH_CHECK(code >= 0 && code < static_cast<int32_t>(at::ScalarType::NumOptions),
              "unknown dtype code ", code);
  return static_cast<at::ScalarType>(code);
}

inline at::Device device(int32_t type, int32_t index) {
  TORCH_CHECK(type == 0 || type == 1, "unknown device type code ", type);
  return at::Device(type == 0 ? at::kCPU : at::kCUDA, static_cast<c10::DeviceIndex>(index));
}

inline at::TensorOptions options(int32_t dtype_code, int32_t device_type, int32_t device_index) {
  return at::TensorOptions().dtype(dtype(dtype_code)).device(device(device_type, device_index));
}

std::vector<at::Tensor> tensor_list(const ts_tensor* handles, int32_t count);

// GELU with a backward that tolerates non-contiguous incoming gradients (see shim_gelu.cpp).
at::Tensor gelu(const at::Tensor& x, bool tanh);

}  // namespace shim

// Every exported function body sits between SHIM_TRY and SHIM_CATCH(value returned on failure).
// The error slot is cleared on entry so "NULL with TS_OK" can mean "no value" (e.g. no gradient).
#define SHIM_TRY \
  shim::clear_error(); \
  try {
#define SHIM_CATCH(failure_value)                                                     \
  }                                                                                   \
  catch (const c10::IndexError& e) {                                                  \
    shim::set_error(TS_ERR_INDEX, e.what_without_backtrace());                        \
  }                                                                                   \
  catch (const c10::ValueError& e) {                                                  \
    shim::set_error(TS_ERR_VALUE, e.what_without_backtrace());                        \
  }                                                                                   \
  catch (const c10::TypeError& e) {                                                   \
    shim::set_error(TS_ERR_TYPE, e.what_without_backtrace());                         \
  }                                                                                   \
  catch (const c10::NotImplementedError& e) {                                         \
    shim::set_error(TS_ERR_NOT_IMPLEMENTED, e.what_without_backtrace());              \
  }                                                                                   \
  catch (const c10::OutOfMemoryError& e) {                                            \
    shim::set_error(TS_ERR_OUT_OF_MEMORY, e.what_without_backtrace());                \
  }                                                                                   \
  catch (const c10::Error& e) {                                                       \
    shim::set_error(TS_ERR_TORCH, e.what_without_backtrace());                        \
  }                                                                                   \
  catch (const std::bad_alloc& e) {                                                   \
    shim::set_error(TS_ERR_OUT_OF_MEMORY, "out of memory (std::bad_alloc)");          \
  }                                                                                   \
  catch (const std::invalid_argument& e) {                                            \
    shim::set_error(TS_ERR_ARGUMENT, e.what());                                       \
  }                                                                                   \
  catch (const std::exception& e) {                                                   \
    shim::set_error(TS_ERR_STD, e.what());                                            \
  }                                                                                   \
  catch (...) {                                                                       \
    shim::set_error(TS_ERR_UNKNOWN, "unknown native exception");                      \
  }                                                                                   \
  return failure_value;
