// Elementwise math, reductions, shape manipulation and indexing.
#include "shim_internal.h"

using shim::T;
using shim::wrap;

namespace {

at::Tensor unary(int32_t op, const at::Tensor& a) {
  switch (op) {
    case TS_NEG: return at::neg(a);
    case TS_ABS: return at::abs(a);
    case TS_EXP: return at::exp(a);
    case TS_LOG: return at::log(a);
    case TS_LOG10: return at::log10(a);
    case TS_LOG2: return at::log2(a);
    case TS_LOG1P: return at::log1p(a);
    case TS_EXPM1: return at::expm1(a);
    case TS_SQRT: return at::sqrt(a);
    case TS_RSQRT: return at::rsqrt(a);
    case TS_SIN: return at::sin(a);
    case TS_COS: return at::cos(a);
    case TS_TAN: return at::tan(a);
    case TS_TANH: return at::tanh(a);
    case TS_SIGMOID: return at::sigmoid(a);
    case TS_RELU: return at::relu(a);
    case TS_GELU: return shim::gelu(a, false);
    case TS_GELU_TANH: return shim::gelu(a, true);
    case TS_SILU: return at::silu(a);
    case TS_SOFTPLUS: return at::softplus(a, 1, 20);
    case TS_FLOOR: return at::floor(a);
    case TS_CEIL: return at::ceil(a);
    case TS_ROUND: return at::round(a);
    case TS_TRUNC: return at::trunc(a);
    case TS_SIGN: return at::sign(a);
    case TS_RECIPROCAL: return at::reciprocal(a);
    case TS_SQUARE: return at::square(a);
    case TS_ERF: return at::erf(a);
    case TS_ATAN: return at::atan(a);
    case TS_LOGICAL_NOT: return at::logical_not(a);
    case TS_ISNAN: return at::isnan(a);
    case TS_ISINF: return at::isinf(a);
    case TS_ISFINITE: return at::isfinite(a);
    case TS_NONZERO: return at::nonzero(a);
    case TS_REAL: return at::real(a);
    case TS_IMAG: return at::imag(a);
    case TS_ANGLE: return at::angle(a);
    case TS_CONJ: return at::conj(a).resolve_conj();
    case TS_VIEW_AS_REAL: return at::view_as_real(a);
    case TS_VIEW_AS_COMPLEX: return at::view_as_complex(a);
    default: TORCH_CHECK(false, "unknown or non-functional unary op ", op);
  }
}

void unary_in_place(int32_t op, at::Tensor& a) {
  switch (op) {
    case TS_NEG: a.neg_(); return;
    case TS_ABS: a.abs_(); return;
    case TS_EXP: a.exp_(); return;
    case TS_LOG: a.log_(); return;
    case TS_SQRT: a.sqrt_(); return;
    case TS_TANH: a.tanh_(); return;
    case TS_SIGMOID: a.sigmoid_(); return;
    case TS_RELU: a.relu_(); return;
    case TS_FLOOR: a.floor_(); return;
    case TS_CEIL: a.ceil_(); return;
    case TS_ROUND: a.round_(); return;
    case TS_RECIPROCAL: a.reciprocal_(); return;
    case TS_ZERO_: a.zero_(); return;
    default: TORCH_CHECK(false, "unary op ", op, " has no in-place form");
  }
}

at::Tensor binary(int32_t op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case TS_ADD: return at::add(a, b);
    case TS_SUB: return at::sub(a, b);
    case TS_MUL: return at::mul(a, b);
    case TS_DIV: return at::div(a, b);
    case TS_POW: return at::pow(a, b);
    case TS_REMAINDER: return at::remainder(a, b);
    case TS_FLOOR_DIVIDE: return at::div(a, b, "floor");
    case TS_MAXIMUM: return at::maximum(a, b);
    case TS_MINIMUM: return at::minimum(a, b);
    case TS_EQ: return at::eq(a, b);
    case TS_NE: return at::ne(a, b);
    case TS_LT: return at::lt(a, b);
    case TS_LE: return at::le(a, b);
    case TS_GT: return at::gt(a, b);
    case TS_GE: return at::ge(a, b);
    case TS_LOGICAL_AND: return at::logical_and(a, b);
    case TS_LOGICAL_OR: return at::logical_or(a, b);
    case TS_ATAN2: return at::atan2(a, b);
    case TS_MATMUL: return at::matmul(a, b);
    case TS_MM: return at::mm(a, b);
    case TS_BMM: return at::bmm(a, b);
    case TS_OUTER: return at::outer(a, b);
    case TS_COMPLEX: return at::complex(a, b);
    case TS_POLAR: return at::polar(a, b);
    case TS_PRELU: return at::prelu(a, b);
    case TS_MASKED_SELECT: return at::masked_select(a, b);
    case TS_RSUB: return at::sub(b, a);
    default: TORCH_CHECK(false, "unknown binary op ", op);
  }
}

at::Tensor binary_scalar(int32_t op, const at::Tensor& a, const at::Scalar& b) {
  switch (op) {
    case TS_ADD: return at::add(a, b);
    case TS_SUB: return at::sub(a, b);
    case TS_MUL: return at::mul(a, b);
    case TS_DIV: return at::div(a, b);
    case TS_POW: return at::pow(a, b);
    case TS_REMAINDER: return at::remainder(a, b);
    case TS_FLOOR_DIVIDE: return at::div(a, b, "floor");
    case TS_EQ: return at::eq(a, b);
    case TS_NE: return at::ne(a, b);
    case TS_LT: return at::lt(a, b);
    case TS_LE: return at::le(a, b);
    case TS_GT: return at::gt(a, b);
    case TS_GE: return at::ge(a, b);
    case TS_RSUB: return at::rsub(a, b);
    case TS_MAXIMUM: return at::clamp_min(a, b);
    case TS_MINIMUM: return at::clamp_max(a, b);
    default: TORCH_CHECK(false, "binary op ", op, " has no scalar form");
  }
}

void binary_in_place(int32_t op, at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case TS_ADD: a.add_(b); return;
    case TS_SUB: a.sub_(b); return;
    case TS_MUL: a.mul_(b); return;
    case TS_DIV: a.div_(b); return;
    case TS_POW: a.pow_(b); return;
    case TS_MAXIMUM: a.copy_(at::maximum(a, b)); return;
    case TS_MINIMUM: a.copy_(at::minimum(a, b)); return;
    default: TORCH_CHECK(false, "binary op ", op, " has no in-place form");
  }
}

void binary_scalar_in_place(int32_t op, at::Tensor& a, const at::Scalar& b) {
  switch (op) {
    case TS_ADD: a.add_(b); return;
    case TS_SUB: a.sub_(b); return;
    case TS_MUL: a.mul_(b); return;
    case TS_DIV: a.div_(b); return;
    case TS_POW: a.pow_(b); return;
    case TS_MAXIMUM: a.clamp_min_(b); return;
    case TS_MINIMUM: a.clamp_max_(b); return;
    default: TORCH_CHECK(false, "binary op ", op, " has no in-place scalar form");
  }
}

std::vector<int64_t> all_dims(const at::Tensor& a) {
  std::vector<int64_t> result(static_cast<size_t>(a.dim()));
  for (int64_t i = 0; i < a.dim(); ++i) result[static_cast<size_t>(i)] = i;
  return result;
}

int32_t export_list(const std::vector<at::Tensor>& pieces, ts_tensor* out, int32_t capacity) {
  TORCH_CHECK(static_cast<int64_t>(pieces.size()) <= capacity, "output list holds ", capacity,
              " handles but the result has ", pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) out[i] = wrap(pieces[i]);
  return static_cast<int32_t>(pieces.size());
}

c10::List<c10::optional<at::Tensor>> index_list(const ts_tensor* indices, int32_t count) {
  TORCH_CHECK(count >= 0 && (count == 0 || indices != nullptr), "invalid index list");
  c10::List<c10::optional<at::Tensor>> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) list.push_back(shim::opt(indices[i]));
  return list;
}

}  // namespace

extern "C" {

// ---- elementwise ---------------------------------------------------------------------------

ts_tensor ts_unary(int32_t op, ts_tensor a) {
  SHIM_TRY
  return wrap(unary(op, T(a)));
  SHIM_CATCH(nullptr)
}

int32_t ts_unary_(int32_t op, ts_tensor a) {
  SHIM_TRY
  unary_in_place(op, T(a));
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_binary(int32_t op, ts_tensor a, ts_tensor b) {
  SHIM_TRY
  return wrap(binary(op, T(a), T(b)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_binary_scalar(int32_t op, ts_tensor a, ts_scalar b) {
  SHIM_TRY
  return wrap(binary_scalar(op, T(a), shim::scalar(b)));
  SHIM_CATCH(nullptr)
}

int32_t ts_binary_(int32_t op, ts_tensor a, ts_tensor b) {
  SHIM_TRY
  binary_in_place(op, T(a), T(b));
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_binary_scalar_(int32_t op, ts_tensor a, ts_scalar b) {
  SHIM_TRY
  binary_scalar_in_place(op, T(a), shim::scalar(b));
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_add_scaled(ts_tensor a, ts_tensor b, ts_scalar alpha, int32_t in_place) {
  SHIM_TRY
  if (in_place) return wrap(T(a).add_(T(b), shim::scalar(alpha)));
  return wrap(at::add(T(a), T(b), shim::scalar(alpha)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_clamp(ts_tensor a, int32_t has_min, double min, int32_t has_max, double max, int32_t in_place) {
  SHIM_TRY
  c10::optional<at::Scalar> low = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
  c10::optional<at::Scalar> high = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
  if (in_place) return wrap(T(a).clamp_(low, high));
  return wrap(at::clamp(T(a), low, high));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_where(ts_tensor condition, ts_tensor a, ts_tensor b) {
  SHIM_TRY
  return wrap(at::where(T(condition), T(a), T(b)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_masked_fill(ts_tensor a, ts_tensor mask, ts_scalar value, int32_t in_place) {
  SHIM_TRY
  if (in_place) return wrap(T(a).masked_fill_(T(mask), shim::scalar(value)));
  return wrap(at::masked_fill(T(a), T(mask), shim::scalar(value)));
  SHIM_CATCH(nullptr)
}

int32_t ts_fill_(ts_tensor a, ts_scalar value) {
  SHIM_TRY
  T(a).fill_(shim::scalar(value));
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_uniform_(ts_tensor a, double low, double high, ts_generator gen) {
  SHIM_TRY
  c10::optional<at::Generator> g;
  if (gen != nullptr) g = *reinterpret_cast<at::Generator*>(gen);
  T(a).uniform_(low, high, g);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_normal_(ts_tensor a, double mean, double std, ts_generator gen) {
  SHIM_TRY
  c10::optional<at::Generator> g;
  if (gen != nullptr) g = *reinterpret_cast<at::Generator*>(gen);
  T(a).normal_(mean, std, g);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_allclose(ts_tensor a, ts_tensor b, double rtol, double atol, int32_t equal_nan) {
  SHIM_TRY
  return at::allclose(T(a), T(b), rtol, atol, equal_nan != 0) ? 1 : 0;
  SHIM_CATCH(-1)
}

// ---- reductions ----------------------------------------------------------------------------

ts_tensor ts_reduce(int32_t op, ts_tensor a, const int64_t* dims, int32_t ndims, int32_t keepdim, int32_t dtype) {
  SHIM_TRY
  const auto& x = T(a);
  bool keep = keepdim != 0;
  c10::optional<at::ScalarType> accumulate =
      dtype < 0 ? c10::nullopt : c10::optional<at::ScalarType>(shim::dtype(dtype));
  std::vector<int64_t> every = all_dims(x);
  at::IntArrayRef over = ndims == 0 ? at::IntArrayRef(every) : shim::dims(dims, ndims);
  switch (op) {
    case TS_SUM: return wrap(ndims == 0 && !keep ? at::sum(x, accumulate) : at::sum(x, over, keep, accumulate));
    case TS_MEAN: return wrap(ndims == 0 && !keep ? at::mean(x, accumulate) : at::mean(x, over, keep, accumulate));
    case TS_PROD: {
      if (ndims == 0 && !keep) return wrap(at::prod(x, accumulate));
      TORCH_CHECK(ndims <= 1, "prod reduces over one dimension at a time");
      return wrap(at::prod(x, ndims == 0 ? 0 : dims[0], keep, accumulate));
    }
    case TS_AMAX: return wrap(at::amax(x, over, keep));
    case TS_AMIN: return wrap(at::amin(x, over, keep));
    case TS_LOGSUMEXP: return wrap(at::logsumexp(x, over, keep));
    case TS_ALL: {
      if (ndims == 0 && !keep) return wrap(at::all(x));
      TORCH_CHECK(ndims <= 1, "all reduces over one dimension at a time");
      return wrap(at::all(x, ndims == 0 ? 0 : dims[0], keep));
    }
    case TS_ANY: {
      if (ndims == 0 && !keep) return wrap(at::any(x));
      TORCH_CHECK(ndims <= 1, "any reduces over one dimension at a time");
      return wrap(at::any(x, ndims == 0 ? 0 : dims[0], keep));
    }
    default: TORCH_CHECK(false, "unknown reduction ", op);
  }
  SHIM_CATCH(nullptr)
}

ts_tensor ts_var_std(int32_t is_std, ts_tensor a, const int64_t* dims, int32_t ndims, int32_t unbiased,
                     int32_t keepdim) {
  SHIM_TRY
  at::OptionalIntArrayRef over = ndims == 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(shim::dims(dims, ndims));
  if (is_std) return wrap(at::std(T(a), over, unbiased != 0, keepdim != 0));
  return wrap(at::var(T(a), over, unbiased != 0, keepdim != 0));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_norm(ts_tensor a, double p, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  SHIM_TRY
  const auto& x = T(a);
  std::vector<int64_t> every = all_dims(x);
  at::IntArrayRef over = ndims == 0 ? at::IntArrayRef(every) : shim::dims(dims, ndims);
  return wrap(at::norm(x, at::Scalar(p), over, keepdim != 0));
  SHIM_CATCH(nullptr)
}

int32_t ts_max_min_dim(int32_t is_min, ts_tensor a, int64_t dim, int32_t keepdim, ts_tensor* values,
                       ts_tensor* indices) {
  SHIM_TRY
  auto result = is_min ? at::min(T(a), dim, keepdim != 0) : at::max(T(a), dim, keepdim != 0);
  *values = wrap(std::get<0>(result));
  *indices = wrap(std::get<1>(result));
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_arg_max_min(int32_t is_min, ts_tensor a, int32_t has_dim, int64_t dim, int32_t keepdim) {
  SHIM_TRY
  c10::optional<int64_t> over = has_dim ? c10::optional<int64_t>(dim) : c10::nullopt;
  if (is_min) return wrap(at::argmin(T(a), over, keepdim != 0));
  return wrap(at::argmax(T(a), over, keepdim != 0));
  SHIM_CATCH(nullptr)
}

int32_t ts_topk(ts_tensor a, int64_t k, int64_t dim, int32_t largest, int32_t sorted, ts_tensor* values,
                ts_tensor* indices) {
  SHIM_TRY
  auto result = at::topk(T(a), k, dim, largest != 0, sorted != 0);
  *values = wrap(std::get<0>(result));
  *indices = wrap(std::get<1>(result));
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_sort(ts_tensor a, int64_t dim, int32_t descending, int32_t stable, ts_tensor* values,
                ts_tensor* indices) {
  SHIM_TRY
  auto result = at::sort(T(a), c10::optional<bool>(stable != 0), dim, descending != 0);
  *values = wrap(std::get<0>(result));
  *indices = wrap(std::get<1>(result));
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_cumsum(ts_tensor a, int64_t dim, int32_t dtype) {
  SHIM_TRY
  c10::optional<at::ScalarType> accumulate =
      dtype < 0 ? c10::nullopt : c10::optional<at::ScalarType>(shim::dtype(dtype));
  return wrap(at::cumsum(T(a), dim, accumulate));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_softmax(ts_tensor a, int64_t dim, int32_t dtype, int32_t log) {
  SHIM_TRY
  c10::optional<at::ScalarType> compute =
      dtype < 0 ? c10::nullopt : c10::optional<at::ScalarType>(shim::dtype(dtype));
  if (log) return wrap(at::log_softmax(T(a), dim, compute));
  return wrap(at::softmax(T(a), dim, compute));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_einsum(const char* equation, const ts_tensor* operands, int32_t count) {
  SHIM_TRY
  TORCH_CHECK(equation != nullptr, "einsum equation is null");
  return wrap(at::einsum(equation, shim::tensor_list(operands, count)));
  SHIM_CATCH(nullptr)
}

// ---- shape and indexing --------------------------------------------------------------------

ts_tensor ts_reshape(ts_tensor a, const int64_t* sizes, int32_t ndim, int32_t view_only) {
  SHIM_TRY
  if (view_only) return wrap(T(a).view(shim::dims(sizes, ndim)));
  return wrap(at::reshape(T(a), shim::dims(sizes, ndim)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_permute(ts_tensor a, const int64_t* dims, int32_t ndim) {
  SHIM_TRY
  return wrap(T(a).permute(shim::dims(dims, ndim)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_transpose(ts_tensor a, int64_t dim0, int64_t dim1) {
  SHIM_TRY
  return wrap(at::transpose(T(a), dim0, dim1));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_squeeze(ts_tensor a, int32_t has_dim, int64_t dim) {
  SHIM_TRY
  if (has_dim) return wrap(at::squeeze(T(a), dim));
  return wrap(at::squeeze(T(a)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_unsqueeze(ts_tensor a, int64_t dim) {
  SHIM_TRY
  return wrap(at::unsqueeze(T(a), dim));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_flatten(ts_tensor a, int64_t start_dim, int64_t end_dim) {
  SHIM_TRY
  return wrap(at::flatten(T(a), start_dim, end_dim));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_expand(ts_tensor a, const int64_t* sizes, int32_t ndim) {
  SHIM_TRY
  return wrap(T(a).expand(shim::dims(sizes, ndim)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_repeat(ts_tensor a, const int64_t* repeats, int32_t ndim) {
  SHIM_TRY
  return wrap(T(a).repeat(shim::dims(repeats, ndim)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_flip(ts_tensor a, const int64_t* dims, int32_t ndim) {
  SHIM_TRY
  return wrap(at::flip(T(a), shim::dims(dims, ndim)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_roll(ts_tensor a, const int64_t* shifts, const int64_t* dims, int32_t ndim) {
  SHIM_TRY
  return wrap(at::roll(T(a), shim::dims(shifts, ndim), shim::dims(dims, ndim)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_tri(ts_tensor a, int64_t diagonal, int32_t upper) {
  SHIM_TRY
  if (upper) return wrap(at::triu(T(a), diagonal));
  return wrap(at::tril(T(a), diagonal));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_narrow(ts_tensor a, int64_t dim, int64_t start, int64_t length) {
  SHIM_TRY
  return wrap(at::narrow(T(a), dim, start, length));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_select(ts_tensor a, int64_t dim, int64_t index) {
  SHIM_TRY
  return wrap(at::select(T(a), dim, index));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_slice(ts_tensor a, int64_t dim, int32_t has_start, int64_t start, int32_t has_end, int64_t end,
                   int64_t step) {
  SHIM_TRY
  c10::optional<int64_t> from = has_start ? c10::optional<int64_t>(start) : c10::nullopt;
  c10::optional<int64_t> to = has_end ? c10::optional<int64_t>(end) : c10::nullopt;
  return wrap(at::slice(T(a), dim, from, to, step));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_unfold(ts_tensor a, int64_t dim, int64_t size, int64_t step) {
  SHIM_TRY
  return wrap(T(a).unfold(dim, size, step));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_index_select(ts_tensor a, int64_t dim, ts_tensor index) {
  SHIM_TRY
  return wrap(at::index_select(T(a), dim, T(index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_gather(ts_tensor a, int64_t dim, ts_tensor index) {
  SHIM_TRY
  return wrap(at::gather(T(a), dim, T(index)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_scatter(ts_tensor a, int64_t dim, ts_tensor index, ts_tensor source, int32_t add) {
  SHIM_TRY
  if (add) return wrap(at::scatter_add(T(a), dim, T(index), T(source)));
  return wrap(at::scatter(T(a), dim, T(index), T(source)));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_index(ts_tensor a, const ts_tensor* indices, int32_t count) {
  SHIM_TRY
  return wrap(at::index(T(a), index_list(indices, count)));
  SHIM_CATCH(nullptr)
}

int32_t ts_index_put_(ts_tensor a, const ts_tensor* indices, int32_t count, ts_tensor values, int32_t accumulate) {
  SHIM_TRY
  T(a).index_put_(index_list(indices, count), T(values), accumulate != 0);
  return 0;
  SHIM_CATCH(-1)
}

ts_tensor ts_cat(const ts_tensor* tensors, int32_t count, int64_t dim, int32_t stack) {
  SHIM_TRY
  auto list = shim::tensor_list(tensors, count);
  if (stack) return wrap(at::stack(list, dim));
  return wrap(at::cat(list, dim));
  SHIM_CATCH(nullptr)
}

int32_t ts_split(ts_tensor a, int64_t split_size, const int64_t* sizes, int32_t nsizes, int64_t dim,
                 ts_tensor* out, int32_t capacity) {
  SHIM_TRY
  if (sizes == nullptr) return export_list(at::split(T(a), split_size, dim), out, capacity);
  return export_list(at::split_with_sizes(T(a), shim::dims(sizes, nsizes), dim), out, capacity);
  SHIM_CATCH(-1)
}

int32_t ts_chunk(ts_tensor a, int64_t chunks, int64_t dim, ts_tensor* out, int32_t capacity) {
  SHIM_TRY
  return export_list(at::chunk(T(a), chunks, dim), out, capacity);
  SHIM_CATCH(-1)
}

ts_tensor ts_pad(ts_tensor a, const int64_t* pads, int32_t npads, int32_t mode, double value) {
  SHIM_TRY
  static const char* const modes[] = {"constant", "reflect", "replicate", "circular"};
  TORCH_CHECK(mode >= 0 && mode < 4, "unknown pad mode ", mode);
  c10::optional<double> fill = mode == TS_PAD_CONSTANT ? c10::optional<double>(value) : c10::nullopt;
  return wrap(at::pad(T(a), shim::dims(pads, npads), modes[mode], fill));
  SHIM_CATCH(nullptr)
}

ts_tensor ts_one_hot(ts_tensor a, int64_t num_classes) {
  SHIM_TRY
  return wrap(at::one_hot(T(a), num_classes));
  SHIM_CATCH(nullptr)
}

}  // extern "C"
