/*
 * torch_shim.h: the only C boundary between .NET and libtorch.
 *
 * Shape of the boundary (DESIGN.md §3, after whisper.cpp's header):
 *  - opaque handles with create/free pairs; a ts_tensor owns one reference to an at::Tensor;
 *  - every entry point is wrapped in a catch-all (c10::Error, std::exception, ...); no C++
 *    exception crosses this boundary;
 *  - on failure a function returns NULL (handles) or -1 (status codes), and the message plus a
 *    coarse kind are kept in a thread-local slot that the caller reads right after the call;
 *  - the message buffer is owned by the shim and reused, so nothing has to be freed by the caller.
 *
 * dtypes are c10::ScalarType codes (stable across libtorch versions): uint8 0, int8 1, int16 2,
 * int32 3, int64 4, float16 5, float32 6, float64 7, complex64 9, complex128 10, bool 11,
 * bfloat16 15. Devices are (type, index) with type 0 = CPU and 1 = CUDA, index -1 = current.
 */
#ifndef TORCH_SHIM_H
#define TORCH_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_API __attribute__((visibility("default")))

typedef struct ts_tensor_s* ts_tensor;
typedef struct ts_optimizer_s* ts_optimizer;
typedef struct ts_generator_s* ts_generator;

/* A Python-like scalar: integers stay integers so `int_tensor + 2` keeps its dtype. */
typedef struct ts_scalar {
  double real;
  int64_t integer;
  int32_t kind; /* 0 floating, 1 integer, 2 boolean (integer != 0) */
  int32_t reserved;
} ts_scalar;

/* ---- errors ---------------------------------------------------------------------------- */
enum ts_error_kind {
  TS_OK = 0,
  TS_ERR_TORCH = 1,           /* c10::Error not covered below (shape, dtype, device mismatch) */
  TS_ERR_INDEX = 2,           /* c10::IndexError */
  TS_ERR_VALUE = 3,           /* c10::ValueError */
  TS_ERR_TYPE = 4,            /* c10::TypeError */
  TS_ERR_NOT_IMPLEMENTED = 5, /* c10::NotImplementedError */
  TS_ERR_OUT_OF_MEMORY = 6,   /* std::bad_alloc, c10::OutOfMemoryError */
  TS_ERR_STD = 7,             /* other std::exception */
  TS_ERR_UNKNOWN = 8,         /* anything else */
  TS_ERR_ARGUMENT = 9         /* the shim rejected its arguments */
};
TS_API int32_t ts_last_error_kind(void);
/* Message of the last failure on this thread; valid until the next failing call here. */
TS_API const char* ts_last_error_message(void);

/* ---- runtime --------------------------------------------------------------------------- */
TS_API int32_t ts_version(int32_t* major, int32_t* minor, int32_t* patch);
TS_API int32_t ts_set_num_threads(int32_t n);
TS_API int32_t ts_get_num_threads(void);
TS_API int32_t ts_cuda_device_count(void);
/* libtorch's build configuration (at::show_config) and its thread pools (at::get_parallel_info), for `cluster doctor`;
 * owned by the shim. */
TS_API const char* ts_build_config(void);
TS_API const char* ts_parallel_info(void);
TS_API int32_t ts_cuda_synchronize(int32_t device_index);

/* ---- CPU memory cache (shim_allocator.cpp) ------------------------------------------------ */
/* Makes libtorch's CPU allocator keep freed blocks of 64 KiB and more (up to max_cached_bytes in all) for later
 * allocations of the same size class, instead of returning them to the kernel, whose fresh pages cost a page fault
 * each. Installed on the first call; 0 keeps nothing (every block goes back at once, as without the cache). */
TS_API int32_t ts_cpu_cache_configure(int64_t max_cached_bytes);
/* Returns every cached block to the system. */
TS_API int32_t ts_cpu_cache_empty(void);
/* out: cached bytes, hits, misses, limit; returns 4. */
TS_API int32_t ts_cpu_cache_stats(int64_t* out, int32_t capacity);
/* Returns the previous mode (0/1), or -1 on error. Thread-local, as in PyTorch. */
TS_API int32_t ts_set_grad_enabled(int32_t enabled);
TS_API int32_t ts_is_grad_enabled(void);

/* ---- random state ---------------------------------------------------------------------- */
TS_API int32_t ts_manual_seed(uint64_t seed); /* CPU and every CUDA device */
TS_API ts_generator ts_generator_new(uint64_t seed, int32_t device_type, int32_t device_index);
TS_API void ts_generator_free(ts_generator gen);
/* gen == NULL means the default generator of the device. State is a uint8 CPU tensor. */
TS_API ts_tensor ts_generator_get_state(ts_generator gen, int32_t device_type, int32_t device_index);
TS_API int32_t ts_generator_set_state(ts_generator gen, int32_t device_type, int32_t device_index,
                                      ts_tensor state);

/* ---- tensor handles and metadata ------------------------------------------------------- */
TS_API void ts_tensor_free(ts_tensor t);
TS_API ts_tensor ts_tensor_alias(ts_tensor t); /* a second handle to the same tensor */
TS_API int64_t ts_tensor_dim(ts_tensor t);
TS_API int32_t ts_tensor_sizes(ts_tensor t, int64_t* out, int32_t capacity);
TS_API int32_t ts_tensor_strides(ts_tensor t, int64_t* out, int32_t capacity);
TS_API int64_t ts_tensor_numel(ts_tensor t);
TS_API int32_t ts_tensor_dtype(ts_tensor t);
TS_API int32_t ts_tensor_device(ts_tensor t, int32_t* type, int32_t* index);
TS_API int32_t ts_tensor_is_contiguous(ts_tensor t);
TS_API void* ts_tensor_data_ptr(ts_tensor t);
TS_API int32_t ts_tensor_requires_grad(ts_tensor t);
TS_API int32_t ts_tensor_set_requires_grad(ts_tensor t, int32_t requires_grad);
TS_API int32_t ts_tensor_is_leaf(ts_tensor t);
/* NULL with kind TS_OK when the gradient is undefined. */
TS_API ts_tensor ts_tensor_grad(ts_tensor t);
TS_API int32_t ts_tensor_set_grad(ts_tensor t, ts_tensor grad /* NULL clears */);
TS_API int32_t ts_tensor_backward(ts_tensor t, ts_tensor grad /* nullable */, int32_t retain_graph,
                                  int32_t create_graph);
TS_API int32_t ts_tensor_item(ts_tensor t, double* out);
TS_API int32_t ts_tensor_item_int64(ts_tensor t, int64_t* out);
/* Writes up to capacity bytes (no terminator) and returns the full length, or -1. */
TS_API int64_t ts_tensor_to_string(ts_tensor t, char* buffer, int64_t capacity);

/* ---- creation -------------------------------------------------------------------------- */
enum ts_fill_kind { TS_FILL_EMPTY = 0, TS_FILL_ZEROS = 1, TS_FILL_ONES = 2, TS_FILL_FULL = 3,
                    TS_FILL_RANDN = 4, TS_FILL_RAND = 5 };
TS_API ts_tensor ts_new(int32_t fill_kind, const int64_t* sizes, int32_t ndim, ts_scalar value,
                        int32_t dtype, int32_t device_type, int32_t device_index,
                        ts_generator gen /* nullable */, int32_t requires_grad);
/* Same as ts_new but dtype/device default to the template's (dtype -1, device_type -1). */
TS_API ts_tensor ts_new_like(int32_t fill_kind, ts_tensor like, ts_scalar value, int32_t dtype,
                             int32_t device_type, int32_t device_index);
TS_API ts_tensor ts_arange(ts_scalar start, ts_scalar end, ts_scalar step, int32_t dtype,
                           int32_t device_type, int32_t device_index, int32_t requires_grad);
TS_API ts_tensor ts_linspace(double start, double end, int64_t steps, int32_t dtype,
                             int32_t device_type, int32_t device_index);
TS_API ts_tensor ts_eye(int64_t n, int64_t m, int32_t dtype, int32_t device_type, int32_t device_index);
TS_API ts_tensor ts_randint(int64_t low, int64_t high, const int64_t* sizes, int32_t ndim,
                            int32_t dtype, int32_t device_type, int32_t device_index, ts_generator gen);
TS_API ts_tensor ts_randperm(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index,
                             ts_generator gen);
TS_API ts_tensor ts_window(int32_t kind /* 0 hann, 1 hamming */, int64_t length, int32_t periodic,
                           int32_t dtype, int32_t device_type, int32_t device_index);
/* One copy: a new tensor on the device is filled from host memory laid out contiguously. */
TS_API ts_tensor ts_from_data(const void* data, int64_t nbytes, const int64_t* sizes, int32_t ndim,
                              int32_t dtype, int32_t device_type, int32_t device_index);
/* No copy: the CPU tensor aliases `data`; `deleter(context)` runs when libtorch releases it. */
TS_API ts_tensor ts_from_blob(void* data, const int64_t* sizes, int32_t ndim, int32_t dtype,
                              void (*deleter)(void* context), void* context);
/* Copies the tensor's elements (any device, any layout) into contiguous host memory. */
TS_API int32_t ts_copy_to_host(ts_tensor t, void* destination, int64_t nbytes);

/* ---- conversion and copies ------------------------------------------------------------- */
TS_API ts_tensor ts_to(ts_tensor t, int32_t dtype /* -1 keep */, int32_t device_type /* -1 keep */,
                       int32_t device_index, int32_t non_blocking, int32_t copy);
TS_API ts_tensor ts_contiguous(ts_tensor t);
TS_API ts_tensor ts_clone(ts_tensor t);
TS_API ts_tensor ts_detach(ts_tensor t);
TS_API int32_t ts_copy_(ts_tensor destination, ts_tensor source, int32_t non_blocking);

/* ---- elementwise ----------------------------------------------------------------------- */
enum ts_unary_op {
  TS_NEG = 0, TS_ABS, TS_EXP, TS_LOG, TS_LOG10, TS_LOG2, TS_LOG1P, TS_EXPM1, TS_SQRT, TS_RSQRT,
  TS_SIN, TS_COS, TS_TAN, TS_TANH, TS_SIGMOID, TS_RELU, TS_GELU, TS_GELU_TANH, TS_SILU, TS_SOFTPLUS,
  TS_FLOOR, TS_CEIL, TS_ROUND, TS_TRUNC, TS_SIGN, TS_RECIPROCAL, TS_SQUARE, TS_ERF, TS_ATAN,
  TS_LOGICAL_NOT, TS_ISNAN, TS_ISINF, TS_ISFINITE, TS_NONZERO, TS_REAL, TS_IMAG, TS_ANGLE, TS_CONJ,
  TS_VIEW_AS_REAL, TS_VIEW_AS_COMPLEX, TS_ZERO_, TS_UNARY_OP_COUNT
};
TS_API ts_tensor ts_unary(int32_t op, ts_tensor a);
/* In place on a; returns 0 or -1. */
TS_API int32_t ts_unary_(int32_t op, ts_tensor a);

enum ts_binary_op {
  TS_ADD = 0, TS_SUB, TS_MUL, TS_DIV, TS_POW, TS_REMAINDER, TS_FLOOR_DIVIDE, TS_MAXIMUM, TS_MINIMUM,
  TS_EQ, TS_NE, TS_LT, TS_LE, TS_GT, TS_GE, TS_LOGICAL_AND, TS_LOGICAL_OR, TS_ATAN2,
  TS_MATMUL, TS_MM, TS_BMM, TS_OUTER, TS_COMPLEX, TS_POLAR, TS_PRELU, TS_MASKED_SELECT, TS_RSUB,
  TS_BINARY_OP_COUNT
};
TS_API ts_tensor ts_binary(int32_t op, ts_tensor a, ts_tensor b);
TS_API ts_tensor ts_binary_scalar(int32_t op, ts_tensor a, ts_scalar b);
TS_API int32_t ts_binary_(int32_t op, ts_tensor a, ts_tensor b);
TS_API int32_t ts_binary_scalar_(int32_t op, ts_tensor a, ts_scalar b);
/* a + alpha * b, optionally in place (then the result is a new handle to a). */
TS_API ts_tensor ts_add_scaled(ts_tensor a, ts_tensor b, ts_scalar alpha, int32_t in_place);
TS_API ts_tensor ts_clamp(ts_tensor a, int32_t has_min, double min, int32_t has_max, double max,
                          int32_t in_place);
TS_API ts_tensor ts_where(ts_tensor condition, ts_tensor a, ts_tensor b);
TS_API ts_tensor ts_masked_fill(ts_tensor a, ts_tensor mask, ts_scalar value, int32_t in_place);
TS_API int32_t ts_fill_(ts_tensor a, ts_scalar value);
TS_API int32_t ts_uniform_(ts_tensor a, double low, double high, ts_generator gen);
TS_API int32_t ts_normal_(ts_tensor a, double mean, double std, ts_generator gen);
TS_API int32_t ts_allclose(ts_tensor a, ts_tensor b, double rtol, double atol, int32_t equal_nan);

/* ---- reductions ------------------------------------------------------------------------ */
enum ts_reduce_op { TS_SUM = 0, TS_MEAN, TS_PROD, TS_AMAX, TS_AMIN, TS_LOGSUMEXP, TS_ALL, TS_ANY,
                    TS_REDUCE_OP_COUNT };
/* ndims == 0 reduces over every dimension; dtype -1 keeps the default accumulation type. */
TS_API ts_tensor ts_reduce(int32_t op, ts_tensor a, const int64_t* dims, int32_t ndims,
                           int32_t keepdim, int32_t dtype);
TS_API ts_tensor ts_var_std(int32_t is_std, ts_tensor a, const int64_t* dims, int32_t ndims,
                            int32_t unbiased, int32_t keepdim);
TS_API ts_tensor ts_norm(ts_tensor a, double p, const int64_t* dims, int32_t ndims, int32_t keepdim);
TS_API int32_t ts_max_min_dim(int32_t is_min, ts_tensor a, int64_t dim, int32_t keepdim,
                              ts_tensor* values, ts_tensor* indices);
TS_API ts_tensor ts_arg_max_min(int32_t is_min, ts_tensor a, int32_t has_dim, int64_t dim,
                                int32_t keepdim);
TS_API int32_t ts_topk(ts_tensor a, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                       ts_tensor* values, ts_tensor* indices);
TS_API int32_t ts_sort(ts_tensor a, int64_t dim, int32_t descending, int32_t stable,
                       ts_tensor* values, ts_tensor* indices);
TS_API ts_tensor ts_cumsum(ts_tensor a, int64_t dim, int32_t dtype);
TS_API ts_tensor ts_softmax(ts_tensor a, int64_t dim, int32_t dtype, int32_t log);
TS_API ts_tensor ts_einsum(const char* equation, const ts_tensor* operands, int32_t count);

/* ---- shape and indexing ---------------------------------------------------------------- */
TS_API ts_tensor ts_reshape(ts_tensor a, const int64_t* sizes, int32_t ndim, int32_t view_only);
TS_API ts_tensor ts_permute(ts_tensor a, const int64_t* dims, int32_t ndim);
TS_API ts_tensor ts_transpose(ts_tensor a, int64_t dim0, int64_t dim1);
TS_API ts_tensor ts_squeeze(ts_tensor a, int32_t has_dim, int64_t dim);
TS_API ts_tensor ts_unsqueeze(ts_tensor a, int64_t dim);
TS_API ts_tensor ts_flatten(ts_tensor a, int64_t start_dim, int64_t end_dim);
TS_API ts_tensor ts_expand(ts_tensor a, const int64_t* sizes, int32_t ndim);
TS_API ts_tensor ts_repeat(ts_tensor a, const int64_t* repeats, int32_t ndim);
TS_API ts_tensor ts_flip(ts_tensor a, const int64_t* dims, int32_t ndim);
TS_API ts_tensor ts_roll(ts_tensor a, const int64_t* shifts, const int64_t* dims, int32_t ndim);
TS_API ts_tensor ts_tri(ts_tensor a, int64_t diagonal, int32_t upper);
TS_API ts_tensor ts_narrow(ts_tensor a, int64_t dim, int64_t start, int64_t length);
TS_API ts_tensor ts_select(ts_tensor a, int64_t dim, int64_t index);
TS_API ts_tensor ts_slice(ts_tensor a, int64_t dim, int32_t has_start, int64_t start,
                          int32_t has_end, int64_t end, int64_t step);
TS_API ts_tensor ts_unfold(ts_tensor a, int64_t dim, int64_t size, int64_t step);
TS_API ts_tensor ts_index_select(ts_tensor a, int64_t dim, ts_tensor index);
TS_API ts_tensor ts_gather(ts_tensor a, int64_t dim, ts_tensor index);
TS_API ts_tensor ts_scatter(ts_tensor a, int64_t dim, ts_tensor index, ts_tensor source,
                            int32_t add);
/* Advanced indexing a[i0, i1, ...]; a NULL entry stands for a full slice. */
TS_API ts_tensor ts_index(ts_tensor a, const ts_tensor* indices, int32_t count);
TS_API int32_t ts_index_put_(ts_tensor a, const ts_tensor* indices, int32_t count, ts_tensor values,
                             int32_t accumulate);
TS_API ts_tensor ts_cat(const ts_tensor* tensors, int32_t count, int64_t dim, int32_t stack);
/* Splits into pieces of split_size (sizes == NULL) or of the given sizes. Returns the count. */
TS_API int32_t ts_split(ts_tensor a, int64_t split_size, const int64_t* sizes, int32_t nsizes,
                        int64_t dim, ts_tensor* out, int32_t capacity);
TS_API int32_t ts_chunk(ts_tensor a, int64_t chunks, int64_t dim, ts_tensor* out, int32_t capacity);
enum ts_pad_mode { TS_PAD_CONSTANT = 0, TS_PAD_REFLECT, TS_PAD_REPLICATE, TS_PAD_CIRCULAR };
/* pads as in torch.nn.functional.pad: (last_left, last_right, prev_left, prev_right, ...). */
TS_API ts_tensor ts_pad(ts_tensor a, const int64_t* pads, int32_t npads, int32_t mode, double value);
TS_API ts_tensor ts_one_hot(ts_tensor a, int64_t num_classes);

/* ---- neural-network functions ---------------------------------------------------------- */
TS_API ts_tensor ts_linear(ts_tensor input, ts_tensor weight, ts_tensor bias /* nullable */);
/* spatial dims = nspatial (1 or 2 or 3); transposed selects ConvTranspose. */
TS_API ts_tensor ts_convolution(ts_tensor input, ts_tensor weight, ts_tensor bias,
                                const int64_t* stride, const int64_t* padding,
                                const int64_t* dilation, const int64_t* output_padding,
                                int32_t nspatial, int32_t transposed, int64_t groups);
TS_API ts_tensor ts_embedding(ts_tensor weight, ts_tensor indices, int64_t padding_idx);
TS_API ts_tensor ts_layer_norm(ts_tensor input, const int64_t* normalized_shape, int32_t ndim,
                               ts_tensor weight, ts_tensor bias, double eps);
TS_API ts_tensor ts_group_norm(ts_tensor input, int64_t groups, ts_tensor weight, ts_tensor bias,
                               double eps);
TS_API ts_tensor ts_dropout(ts_tensor input, double p, int32_t train);
/* params: per layer and direction w_ih, w_hh[, b_ih, b_hh]; h0/c0 nullable (zeros). */
TS_API int32_t ts_lstm(ts_tensor input, ts_tensor h0, ts_tensor c0, const ts_tensor* params,
                       int32_t nparams, int32_t has_biases, int64_t num_layers, double dropout,
                       int32_t train, int32_t bidirectional, int32_t batch_first,
                       ts_tensor* output, ts_tensor* h_n, ts_tensor* c_n);
enum ts_reduction { TS_REDUCTION_NONE = 0, TS_REDUCTION_MEAN = 1, TS_REDUCTION_SUM = 2 };
TS_API ts_tensor ts_cross_entropy(ts_tensor logits, ts_tensor target, ts_tensor weight,
                                  int32_t reduction, int64_t ignore_index, double label_smoothing);
TS_API ts_tensor ts_nll_loss(ts_tensor log_probs, ts_tensor target, ts_tensor weight,
                             int32_t reduction, int64_t ignore_index);
enum ts_loss_kind { TS_LOSS_MSE = 0, TS_LOSS_L1, TS_LOSS_SMOOTH_L1, TS_LOSS_BCE_WITH_LOGITS };
TS_API ts_tensor ts_pointwise_loss(int32_t kind, ts_tensor input, ts_tensor target, int32_t reduction);
/* F.unfold / F.fold (im2col / col2im) over [N, C, H, W]. */
TS_API ts_tensor ts_im2col(ts_tensor input, const int64_t* kernel, const int64_t* dilation,
                           const int64_t* padding, const int64_t* stride);
TS_API ts_tensor ts_col2im(ts_tensor input, const int64_t* output_size, const int64_t* kernel,
                           const int64_t* dilation, const int64_t* padding, const int64_t* stride);
/* torch.stft / torch.istft semantics including center padding; window nullable (rectangular). */
TS_API ts_tensor ts_stft(ts_tensor input, int64_t n_fft, int64_t hop_length, int64_t win_length,
                         ts_tensor window, int32_t center, int32_t pad_mode, int32_t normalized,
                         int32_t onesided, int32_t return_complex);
TS_API ts_tensor ts_istft(ts_tensor input, int64_t n_fft, int64_t hop_length, int64_t win_length,
                          ts_tensor window, int32_t center, int32_t normalized, int32_t onesided,
                          int64_t length /* -1: none */, int32_t return_complex);
/* Scales gradients in place so their joint norm is at most max_norm; writes the norm before. */
TS_API int32_t ts_clip_grad_norm(const ts_tensor* params, int32_t count, double max_norm,
                                 double norm_type, double* total_norm);

/* ---- autograd extras ------------------------------------------------------------------- */
/* torch.autograd.grad: gradients of outputs w.r.t. inputs, returned instead of accumulated.
 * grad_outputs may be NULL, and so may any entry (implicit ones for scalar outputs).
 * retain_graph -1 means "as create_graph". results[i] is a new handle, or NULL when inputs[i] is
 * unused (allowed only with allow_unused). Returns 0 or -1. */
TS_API int32_t ts_autograd_grad(const ts_tensor* outputs, int32_t noutputs, const ts_tensor* inputs,
                                int32_t ninputs, const ts_tensor* grad_outputs, int32_t retain_graph,
                                int32_t create_graph, int32_t allow_unused, ts_tensor* results);

/* The block run by ts_checkpoint. inputs are borrowed for the call (take ts_tensor_alias to keep
 * one); it writes at most capacity new handles to outputs, which the shim then owns, and returns
 * their count. On failure it returns -1 and writes a NUL-terminated UTF-8 message of at most
 * error_capacity bytes (terminator included) to error. It must not let an exception escape. */
typedef int32_t (*ts_checkpoint_fn)(void* context, const ts_tensor* inputs, int32_t ninputs,
                                    ts_tensor* outputs, int32_t capacity, char* error,
                                    int32_t error_capacity);
/* torch.utils.checkpoint.checkpoint (the reentrant variant): runs function(context, inputs) without
 * recording a graph and saves only the inputs; backward runs it again with gradients enabled on
 * detached copies of the inputs, under the CPU (and input CUDA devices') random state and the
 * autocast state of the forward, then backpropagates through the copy, so parameters used inside
 * accumulate their .grad and the inputs get theirs. Writes up to capacity output handles and
 * returns their count, or -1 (a failing function surfaces as "checkpointed function failed: ...").
 * deleter(context) runs exactly once when the shim no longer needs context: at once if the call
 * fails or records no graph (grad mode off, or no input requires grad), else when the graph is
 * freed, possibly on another thread. Not usable under ts_autograd_grad (as in PyTorch). */
TS_API int32_t ts_checkpoint(ts_checkpoint_fn function, void* context,
                             void (*deleter)(void* context), const ts_tensor* inputs,
                             int32_t ninputs, ts_tensor* outputs, int32_t capacity);

/* ---- gradient-ready hooks (data-parallel overlap) -------------------------------------- */
typedef struct ts_grad_hooks_s* ts_grad_hooks;
/* Called with the context and a parameter's index once that parameter's .grad holds the whole
 * gradient of the running backward (after accumulation), on the thread running backward. It must
 * not let an exception escape. */
typedef void (*ts_grad_ready_fn)(void* context, int32_t index);
/* What DistributedDataParallel does to overlap its all-reduce with backward: a post hook on the
 * gradient accumulator of each params[i] (leaves that require grad) calls ready(context, i) while
 * the hooks are armed. The accumulators are held, so the hooks outlive each step's graph. Hooks
 * start disarmed. NULL on failure. */
TS_API ts_grad_hooks ts_grad_hooks_new(const ts_tensor* params, int32_t count, ts_grad_ready_fn ready,
                                       void* context);
/* Arms (1) or disarms (0) the hooks; disarmed they do nothing. Returns 0 or -1. */
TS_API int32_t ts_grad_hooks_arm(ts_grad_hooks hooks, int32_t armed);
/* Disarms the hooks for good and releases the accumulators (the hooks stay registered and do
 * nothing). Not while a backward that may call them runs. */
TS_API void ts_grad_hooks_free(ts_grad_hooks hooks);

/* ---- automatic mixed precision (torch.autocast) ---------------------------------------- */
/* Enters an autocast region on this thread for device_type (0 CPU, 1 CUDA) with dtype as the
 * lower-precision type (CPU: bfloat16; CUDA: float16 or bfloat16), or a region with autocast
 * disabled when enabled == 0 (dtype then ignored and the current one kept). Writes the state to
 * hand back to ts_autocast_exit. Enabling CUDA autocast without a CUDA device is an error
 * (TS_ERR_VALUE), where PyTorch warns and runs in float32. */
TS_API int32_t ts_autocast_enter(int32_t device_type, int32_t dtype, int32_t enabled,
                                 int32_t* previous_enabled, int32_t* previous_dtype);
/* Leaves the region: restores the previous state; leaving the outermost region clears the cache
 * of casted weights. Regions must be left innermost first, on the thread that entered them. */
TS_API int32_t ts_autocast_exit(int32_t device_type, int32_t previous_enabled, int32_t previous_dtype);
/* The current state of this thread for device_type: whether autocast is on and its dtype. */
TS_API int32_t ts_autocast_state(int32_t device_type, int32_t* enabled, int32_t* dtype);

/* ---- optimizers (torch::optim) --------------------------------------------------------- */
enum ts_optimizer_kind { TS_OPTIM_ADAMW = 0, TS_OPTIM_SGD = 1 };
/* group_options holds 8 doubles per group:
 *   AdamW: lr, beta1, beta2, eps, weight_decay, amsgrad, 0, 0
 *   SGD:   lr, momentum, dampening, weight_decay, nesterov, 0, 0, 0
 * group_of_param[i] names the group of params[i]; groups keep the order of first appearance. */
TS_API ts_optimizer ts_optimizer_new(int32_t kind, const ts_tensor* params,
                                     const int32_t* group_of_param, int32_t nparams,
                                     const double* group_options, int32_t ngroups);
TS_API void ts_optimizer_free(ts_optimizer opt);
TS_API int32_t ts_optimizer_step(ts_optimizer opt);
TS_API int32_t ts_optimizer_zero_grad(ts_optimizer opt, int32_t set_to_none);
TS_API int32_t ts_optimizer_set_lr(ts_optimizer opt, int32_t group, double lr);
TS_API int32_t ts_optimizer_get_lr(ts_optimizer opt, int32_t group, double* lr);
/* Per-parameter state, addressed by (group, index in group) and a PyTorch key: "step",
 * "exp_avg", "exp_avg_sq", "max_exp_avg_sq" (AdamW) or "momentum_buffer" (SGD).
 * get returns NULL with kind TS_OK when the state does not exist yet (before the first step). */
TS_API ts_tensor ts_optimizer_get_state(ts_optimizer opt, int32_t group, int32_t index,
                                        const char* key);
TS_API int32_t ts_optimizer_set_state(ts_optimizer opt, int32_t group, int32_t index,
                                      const char* key, ts_tensor value);

/* ==== distributed (c10d) ====================================================================
 * Collectives between processes (or threads) over libtorch's c10d: a TCPStore for rendezvous
 * and a process group (Gloo on CPU, NCCL on CUDA). Kept at the end of the header as one section.
 *
 * Lifetimes: a process group keeps its store alive, so the store handle may be freed first.
 * A work handle stays valid after its group is freed. Every collective is asynchronous: its
 * tensors hold the result only once ts_work_wait has returned 1.
 */
typedef struct ts_store_s* ts_store;
typedef struct ts_process_group_s* ts_process_group;
typedef struct ts_work_s* ts_work;

enum ts_backend { TS_BACKEND_GLOO = 0, TS_BACKEND_NCCL = 1 };
enum ts_collective_op { TS_COLLECTIVE_SUM = 0, TS_COLLECTIVE_AVG = 1, TS_COLLECTIVE_MAX = 2,
                        TS_COLLECTIVE_MIN = 3, TS_COLLECTIVE_PRODUCT = 4 };

/* 1 when this build of the shim (and the libtorch it was built against) has the backend. */
TS_API int32_t ts_backend_available(int32_t backend);

/* A TCPStore: the server binds host:port (port 0 picks a free one, see ts_store_port) and is a
 * client too; a client connects to the server, retrying until timeout_ms. world_size <= 0 means
 * the server does not wait for a fixed number of clients. Waits for keys poll (a timed-out wait
 * leaves the connection usable); each process group opens its own connection to the server. */
TS_API ts_store ts_store_tcp_new(const char* host, int32_t port, int32_t is_server,
                                 int32_t world_size, int64_t timeout_ms);
TS_API void ts_store_free(ts_store store);
TS_API int32_t ts_store_port(ts_store store);
TS_API int32_t ts_store_set(ts_store store, const char* key, const void* value, int64_t length);
/* Waits up to timeout_ms for the key, then returns its bytes in a thread-local buffer valid until
 * the next ts_store_get on this thread (length in *length), or NULL on failure or timeout. */
TS_API const void* ts_store_get(ts_store store, const char* key, int64_t timeout_ms, int64_t* length);
/* Adds delta to the integer counter at key (created at 0) and writes the new value. */
TS_API int32_t ts_store_add(ts_store store, const char* key, int64_t delta, int64_t* value);
/* 0 once the key exists; -1 with a message naming the key after timeout_ms. */
TS_API int32_t ts_store_wait(ts_store store, const char* key, int64_t timeout_ms);
/* 1 when the key exists, 0 when not, -1 on failure. */
TS_API int32_t ts_store_check(ts_store store, const char* key);
/* 1 when the key existed and was deleted, 0 when it did not exist, -1 on failure. */
TS_API int32_t ts_store_delete(ts_store store, const char* key);

/* Joins a group: blocks until all world_size ranks have joined through the store (keys under
 * group_name, so one store can host successive groups) or timeout_ms passes. timeout_ms also
 * bounds every collective. device_host: the address Gloo binds to and announces to its peers
 * (NULL or "": GLOO_SOCKET_IFNAME when set, else this machine's hostname, else loopback); ignored
 * by NCCL. verify_shapes != 0 exchanges a fingerprint (operation, dtype, shapes, root) before every
 * collective so that ranks disagreeing fail together with a message, instead of hanging or, with
 * Gloo, terminating the process inside Gloo's network thread. */
TS_API ts_process_group ts_process_group_new(ts_store store, const char* group_name, int32_t backend,
                                             int32_t rank, int32_t world_size, int64_t timeout_ms,
                                             const char* device_host, int32_t verify_shapes);
/* Frees the handle; waits for collectives already queued to finish or fail (bounded by the
 * group's timeout, immediately after ts_process_group_abort). */
TS_API void ts_process_group_free(ts_process_group pg);
/* Fails every pending and future collective of this group on this rank, and closes its
 * connections so that peers blocked on this rank fail too (Gloo: the TCP pairs are failed with
 * an error; NCCL: the communicators are aborted, libtorch >= 2.2, else an error). Returns 0, or 1
 * when the connections could only be closed: peers fail, but collectives pending on this rank
 * end at the group's timeout (a Gloo transport other than TCP, or Gloo's symbol not exported). */
TS_API int32_t ts_process_group_abort(ts_process_group pg);

/* All-reduce in place. count > 1 reduces the tensors as one bucket (flattened into one buffer,
 * one collective, copied back on completion): same dtype and device required. AVG divides by the
 * world size (floating tensors only; emulated as SUM then divide where the backend lacks it). */
TS_API ts_work ts_all_reduce(ts_process_group pg, const ts_tensor* tensors, int32_t count, int32_t op);
/* Broadcast in place from rank root. */
TS_API ts_work ts_broadcast(ts_process_group pg, ts_tensor tensor, int32_t root);
/* Gathers input from every rank: writes world_size new tensors shaped like input into outputs
 * (capacity must be >= world_size), rank order; the caller frees them. */
TS_API ts_work ts_all_gather(ts_process_group pg, ts_tensor input, ts_tensor* outputs, int32_t capacity);
TS_API ts_work ts_barrier(ts_process_group pg);
/* 1 when the collective completed (results in place), 0 when it is still running after
 * timeout_ms (< 0 waits without a bound of its own; the group's timeout still applies), -1 when
 * it failed (timeout of the group, a peer gone, abort). */
TS_API int32_t ts_work_wait(ts_work work, int64_t timeout_ms);
TS_API int32_t ts_work_is_completed(ts_work work);
TS_API void ts_work_free(ts_work work);
/* ==== end of distributed (c10d) ============================================================= */

#ifdef __cplusplus
}
#endif

#endif /* TORCH_SHIM_H */
