// Distributed collectives over c10d: TCPStore rendezvous, Gloo and NCCL process groups.
//
// Version notes (libtorch 1.13 is what CI builds against; 2.x is what GPU hosts use):
//  - 1.13 backends derive from c10d::ProcessGroup; 2.0 split them into c10d::Backend, with the same
//    collective methods. The shim holds the concrete backend through `BackendBase`.
//  - Gloo has no abort in either version. The shim fails every Gloo TCP pair of the group with an
//    error (the same path Gloo takes when a socket breaks): local waits end at once and the peers
//    see their connections close.
//  - NCCL builds only when the libtorch found is a CUDA build and nccl.h is found (CMake defines
//    USE_C10D_NCCL); its abort needs libtorch >= 2.2.
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <gloo/context.h>
#include <gloo/transport/pair.h>

#include <dlfcn.h>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <typeinfo>

#include "shim_internal.h"

namespace shim {
namespace {

#if TORCH_VERSION_MAJOR >= 2
using BackendBase = c10d::Backend;
#else
using BackendBase = c10d::ProcessGroup;
#endif

std::chrono::milliseconds millis(int64_t timeout_ms) {
  TORCH_CHECK_VALUE(timeout_ms > 0, "timeout must be positive, got ", timeout_ms, " ms");
  return std::chrono::milliseconds(timeout_ms);
}

std::string key_of(const char* key) {
  TORCH_CHECK_VALUE(key != nullptr && key[0] != '\0', "store key is null or empty");
  return key;
}

std::string message_of(const std::exception& e) {
  if (auto* error = dynamic_cast<const c10::Error*>(&e)) return error->what_without_backtrace();
  return e.what();
}

struct Store {
  c10::intrusive_ptr<c10d::TCPStore> tcp;
  std::string host;
  std::uint16_t port = 0;
  std::chrono::milliseconds timeout{0};
};

Store& S(ts_store handle) {
  TORCH_CHECK(handle != nullptr, "store handle is null (disposed or never created)");
  return *reinterpret_cast<Store*>(handle);
}

// Polls instead of TCPStore::wait: in libtorch 1.13 a wait that times out leaves the server's
// late answer on the connection, where the next request reads it as its own reply.
void wait_for_key(Store& store, const std::string& key, int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + millis(timeout_ms);
  auto pause = std::chrono::milliseconds(1);
  try {
    while (!store.tcp->check({key})) {
      TORCH_CHECK(std::chrono::steady_clock::now() < deadline, "nobody set it");
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
  } catch (const std::exception& e) {
    TORCH_CHECK(false, "store key '", key, "' was not set within ", timeout_ms, " ms (", message_of(e), ")");
  }
}

thread_local std::vector<uint8_t> last_value;

#ifdef USE_C10D_GLOO
// Gloo's own "fail this pair" entry point, tcp::Pair::signalExceptionExternal: it hands the error
// to every buffer waiting on the pair (so local waits end now, not at the timeout) and closes the
// socket (so peers blocked on this rank fail too). gloo/transport/tcp/pair.h cannot be included
// (Debian's libgloo-dev lacks the gloo/common headers it needs), so the exported member function
// is looked up by its Itanium-mangled name and called with the pair as `this`, which the x86-64
// and AArch64 C++ ABIs pass exactly like a leading pointer argument.
using FailTcpPair = std::exception_ptr (*)(void* pair, const std::string& reason);
// The shim is compiled with libtorch's std::string ABI (TORCH_CXX_FLAGS), so is the Gloo inside it.
#if _GLIBCXX_USE_CXX11_ABI
constexpr const char* kFailTcpPairSymbol =
    "_ZN4gloo9transport3tcp4Pair23signalExceptionExternalERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE";
#else
constexpr const char* kFailTcpPairSymbol = "_ZN4gloo9transport3tcp4Pair23signalExceptionExternalERKSs";
#endif
constexpr const char* kTcpPairTypeName = "N4gloo9transport3tcp4PairE";

FailTcpPair fail_tcp_pair() {
  static const auto function = reinterpret_cast<FailTcpPair>(dlsym(RTLD_DEFAULT, kFailTcpPairSymbol));
  return function;
}

// ProcessGroupGloo with the one thing it lacks: a way to stop. Its contexts_ (one per Gloo worker
// thread) are protected, hence the subclass.
class AbortableGloo final : public c10d::ProcessGroupGloo {
 public:
  using c10d::ProcessGroupGloo::ProcessGroupGloo;

  // Returns false when a pair could only be closed (peers fail; local waits run to the timeout).
  bool fail_connections(const std::string& reason) {
    bool all_failed = true;
    for (auto& context : contexts_) {
      for (int peer = 0; peer < context->size; ++peer) {
        if (peer == context->rank) continue;
        auto& pair = context->getPair(peer);
        if (!pair) continue;
        auto fail = fail_tcp_pair();
        if (fail != nullptr && std::strcmp(typeid(*pair).name(), kTcpPairTypeName) == 0) {
          fail(dynamic_cast<void*>(pair.get()), reason);
        } else {
          pair->close();
          all_failed = false;
        }
      }
    }
    return all_failed;
  }
};

std::shared_ptr<gloo::transport::Device> gloo_device(const char* host) {
  if (host != nullptr && host[0] != '\0') return c10d::ProcessGroupGloo::createDeviceForHostname(host);
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface != nullptr && interface[0] != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

const char* backend_name(int32_t backend) { return backend == TS_BACKEND_NCCL ? "nccl" : "gloo"; }

struct ProcessGroup {
  c10::intrusive_ptr<BackendBase> backend;
  int32_t kind = TS_BACKEND_GLOO;
  int32_t rank = 0;
  int32_t size = 0;
  std::string name;
  bool verify_shapes = true;
  std::atomic<bool> aborted{false};
#ifdef USE_C10D_GLOO
  AbortableGloo* gloo = nullptr;  // the same object as backend when kind is Gloo
#endif
#ifdef USE_C10D_NCCL
  c10d::ProcessGroupNCCL* nccl = nullptr;
#endif

  std::string describe(const char* operation) const {
    std::ostringstream text;
    text << operation << " on rank " << rank << " of " << size << " (" << backend_name(kind)
         << " group '" << name << "')";
    return text.str();
  }
};

ProcessGroup& PG(ts_process_group handle) {
  TORCH_CHECK(handle != nullptr, "process group handle is null (disposed or never created)");
  auto& pg = *reinterpret_cast<ProcessGroup*>(handle);
  TORCH_CHECK(!pg.aborted.load(), "process group '", pg.name, "' was aborted on rank ", pg.rank,
              "; form a new group to continue");
  return pg;
}

struct Work {
  c10::intrusive_ptr<c10d::Work> work;
  std::string what;
  // Runs once after success: copies a flattened bucket back, divides for an emulated average.
  std::function<void()> finish;
  std::vector<at::Tensor> inputs;
  std::vector<std::vector<at::Tensor>> outputs;
  std::mutex mutex;
  bool finished = false;
};

Work& W(ts_work handle) {
  TORCH_CHECK(handle != nullptr, "work handle is null (disposed or never created)");
  return *reinterpret_cast<Work*>(handle);
}

// ---- fingerprints: every rank states what it is about to do before doing it ----------------

enum Operation : int64_t { kAllReduce = 1, kBroadcast = 2, kAllGather = 3, kBarrier = 4 };
const char* operation_name(int64_t op) {
  switch (op) {
    case kAllReduce: return "all_reduce";
    case kBroadcast: return "broadcast";
    case kAllGather: return "all_gather";
    default: return "barrier";
  }
}
const char* reduce_name(int64_t op) {
  switch (op) {
    case TS_COLLECTIVE_SUM: return "sum";
    case TS_COLLECTIVE_AVG: return "avg";
    case TS_COLLECTIVE_MAX: return "max";
    case TS_COLLECTIVE_MIN: return "min";
    default: return "product";
  }
}

constexpr int64_t kShownDims = 6;
// valid, operation, reduce op, dtype, tensor count, elements, root, rank of first tensor,
// its first kShownDims sizes, hash of every shape.
constexpr int64_t kFingerprintLength = 8 + kShownDims + 1;

struct Call {
  int64_t operation = kBarrier;
  int64_t reduce = -1;
  int64_t root = -1;
  std::vector<at::Tensor> tensors;
  std::string local_error;  // why this rank rejects its own arguments; empty when it does not
};

std::vector<int64_t> fingerprint(const Call& call) {
  std::vector<int64_t> values(kFingerprintLength, -1);
  values[0] = call.local_error.empty() ? 1 : 0;
  values[1] = call.operation;
  values[2] = call.reduce;
  values[3] = call.tensors.empty() ? -1 : static_cast<int64_t>(call.tensors[0].scalar_type());
  values[4] = static_cast<int64_t>(call.tensors.size());
  int64_t elements = 0;
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a over every size of every tensor
  for (const auto& tensor : call.tensors) {
    elements += tensor.numel();
    hash = (hash ^ static_cast<uint64_t>(tensor.dim())) * 1099511628211ULL;
    for (auto size : tensor.sizes()) hash = (hash ^ static_cast<uint64_t>(size)) * 1099511628211ULL;
  }
  values[5] = elements;
  values[6] = call.root;
  if (!call.tensors.empty()) {
    const auto& first = call.tensors[0];
    values[7] = first.dim();
    for (int64_t d = 0; d < std::min<int64_t>(first.dim(), kShownDims); ++d) values[8 + d] = first.size(d);
  }
  values[kFingerprintLength - 1] = static_cast<int64_t>(hash & 0x7fffffffffffffffULL);
  return values;
}

std::string describe_fingerprint(const int64_t* v) {
  std::ostringstream text;
  text << operation_name(v[1]);
  if (v[1] == kAllReduce) text << "(" << reduce_name(v[2]) << ")";
  if (v[1] == kBroadcast) text << "(root " << v[6] << ")";
  if (v[4] > 0) {
    text << " of " << v[4] << " " << c10::toString(static_cast<at::ScalarType>(v[3])) << " tensor(s), "
         << v[5] << " elements, first shape [";
    for (int64_t d = 0; d < std::min<int64_t>(v[7], kShownDims); ++d) text << (d > 0 ? ", " : "") << v[8 + d];
    if (v[7] > kShownDims) text << ", ...";
    text << "]";
  }
  return text.str();
}

// All ranks exchange fingerprints and fail together when any rank rejected its arguments or
// the calls differ: Gloo would otherwise terminate the process on a size mismatch.
void agree(ProcessGroup& pg, const Call& call) {
  if (!pg.verify_shapes) {
    TORCH_CHECK_VALUE(call.local_error.empty(), call.local_error);
    return;
  }
  auto mine = fingerprint(call);
  auto options = at::TensorOptions().dtype(at::kLong);
  if (pg.kind == TS_BACKEND_NCCL) {
    // On the device of the call's tensors, so that no communicator is made for another device.
    bool on_cuda = !call.tensors.empty() && call.tensors[0].defined() && call.tensors[0].is_cuda();
    options = options.device(on_cuda ? call.tensors[0].device() : at::Device(at::kCUDA));
  }
  auto local = at::tensor(mine, at::TensorOptions().dtype(at::kLong)).to(options.device());
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int32_t r = 0; r < pg.size; ++r) gathered[0].push_back(at::empty({kFingerprintLength}, options));
  std::vector<at::Tensor> inputs{local};
  try {
    pg.backend->allgather(gathered, inputs)->wait();
  } catch (const std::exception& e) {
    TORCH_CHECK(false, pg.describe(operation_name(call.operation)), " failed while ranks compared their calls: ",
                message_of(e));
  }
  TORCH_CHECK_VALUE(call.local_error.empty(), pg.describe(operation_name(call.operation)),
                    " rejected its arguments: ", call.local_error);
  auto all = at::stack(gathered[0]).to(at::kCPU).contiguous();
  const int64_t* rows = all.data_ptr<int64_t>();
  std::ostringstream disagreement;
  bool differ = false;
  for (int32_t r = 0; r < pg.size; ++r) {
    const int64_t* row = rows + r * kFingerprintLength;
    if (row[0] == 0) {
      TORCH_CHECK_VALUE(false, pg.describe(operation_name(call.operation)), " failed: rank ", r,
                        " rejected its arguments (its own error says why)");
    }
    if (!std::equal(row, row + kFingerprintLength, mine.data())) differ = true;
    disagreement << "\n  rank " << r << ": " << describe_fingerprint(row);
  }
  TORCH_CHECK_VALUE(!differ, pg.describe(operation_name(call.operation)),
                    ": ranks disagree on the collective (every rank must call the same one with the same "
                    "dtypes and shapes):", disagreement.str());
}

ts_work wrap_work(c10::intrusive_ptr<c10d::Work> work, std::string what) {
  auto* result = new Work();
  result->work = std::move(work);
  result->what = std::move(what);
  return reinterpret_cast<ts_work>(result);
}

c10d::ReduceOp reduce_op(int32_t op, bool native_avg) {
  switch (op) {
    case TS_COLLECTIVE_SUM: return c10d::ReduceOp::SUM;
    case TS_COLLECTIVE_AVG: return native_avg ? c10d::ReduceOp::AVG : c10d::ReduceOp::SUM;
    case TS_COLLECTIVE_MAX: return c10d::ReduceOp::MAX;
    case TS_COLLECTIVE_MIN: return c10d::ReduceOp::MIN;
    case TS_COLLECTIVE_PRODUCT: return c10d::ReduceOp::PRODUCT;
    default: TORCH_CHECK_VALUE(false, "unknown reduce op code ", op);
  }
  return c10d::ReduceOp::SUM;
}

std::string check_bucket(const std::vector<at::Tensor>& tensors, int32_t op) {
  std::ostringstream error;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) {
      error << "tensor " << i << " is undefined";
      return error.str();
    }
    if (tensors[i].scalar_type() != tensors[0].scalar_type() || tensors[i].device() != tensors[0].device()) {
      error << "a bucket needs one dtype and device: tensor 0 is " << tensors[0].scalar_type() << " on "
            << tensors[0].device() << ", tensor " << i << " is " << tensors[i].scalar_type() << " on "
            << tensors[i].device();
      return error.str();
    }
  }
  if (op == TS_COLLECTIVE_AVG && !at::isFloatingType(tensors[0].scalar_type())) {
    error << "avg needs floating-point tensors, got " << tensors[0].scalar_type() << " (use sum and divide)";
  }
  return error.str();
}

}  // namespace
}  // namespace shim

using shim::T;

extern "C" {

int32_t ts_backend_available(int32_t backend) {
  SHIM_TRY
  if (backend == TS_BACKEND_GLOO) {
#ifdef USE_C10D_GLOO
    return 1;
#else
    return 0;
#endif
  }
  TORCH_CHECK_VALUE(backend == TS_BACKEND_NCCL, "unknown backend code ", backend);
#ifdef USE_C10D_NCCL
  return 1;
#else
  return 0;
#endif
  SHIM_CATCH(-1)
}

// ---- store ---------------------------------------------------------------------------------

ts_store ts_store_tcp_new(const char* host, int32_t port, int32_t is_server, int32_t world_size,
                          int64_t timeout_ms) {
  SHIM_TRY
  TORCH_CHECK_VALUE(host != nullptr && host[0] != '\0', "store host is null or empty");
  TORCH_CHECK_VALUE(port >= 0 && port <= 65535, "store port must be in 0..65535, got ", port);
  TORCH_CHECK_VALUE(is_server || port != 0, "a store client needs the server's port, got 0");
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = is_server != 0;
  if (world_size > 0) options.numWorkers = static_cast<std::size_t>(world_size);
  options.waitWorkers = false;
  options.timeout = shim::millis(timeout_ms);
  auto store = std::make_unique<shim::Store>();
  store->tcp = c10::make_intrusive<c10d::TCPStore>(host, options);
  store->host = host;
  store->port = static_cast<std::uint16_t>(store->tcp->getPort());
  store->timeout = options.timeout;
  return reinterpret_cast<ts_store>(store.release());
  SHIM_CATCH(nullptr)
}

void ts_store_free(ts_store store) { delete reinterpret_cast<shim::Store*>(store); }

int32_t ts_store_port(ts_store store) {
  SHIM_TRY
  return shim::S(store).port;
  SHIM_CATCH(-1)
}

int32_t ts_store_set(ts_store store, const char* key, const void* value, int64_t length) {
  SHIM_TRY
  auto& s = shim::S(store);
  auto name = shim::key_of(key);
  TORCH_CHECK_VALUE(length >= 0, "store value length is negative: ", length);
  TORCH_CHECK_VALUE(length == 0 || value != nullptr, "store value is null");
  const auto* bytes = static_cast<const uint8_t*>(value);
  s.tcp->set(name, std::vector<uint8_t>(bytes, bytes + length));
  return 0;
  SHIM_CATCH(-1)
}

const void* ts_store_get(ts_store store, const char* key, int64_t timeout_ms, int64_t* length) {
  SHIM_TRY
  auto& s = shim::S(store);
  auto name = shim::key_of(key);
  TORCH_CHECK_VALUE(length != nullptr, "length output is null");
  shim::wait_for_key(s, name, timeout_ms);
  shim::last_value = s.tcp->get(name);
  *length = static_cast<int64_t>(shim::last_value.size());
  // A non-null pointer even for an empty value: NULL means failure.
  static const uint8_t empty = 0;
  return shim::last_value.empty() ? static_cast<const void*>(&empty) : shim::last_value.data();
  SHIM_CATCH(nullptr)
}

int32_t ts_store_add(ts_store store, const char* key, int64_t delta, int64_t* value) {
  SHIM_TRY
  auto& s = shim::S(store);
  auto name = shim::key_of(key);
  TORCH_CHECK_VALUE(value != nullptr, "value output is null");
  *value = s.tcp->add(name, delta);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_store_wait(ts_store store, const char* key, int64_t timeout_ms) {
  SHIM_TRY
  auto& s = shim::S(store);
  shim::wait_for_key(s, shim::key_of(key), timeout_ms);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_store_check(ts_store store, const char* key) {
  SHIM_TRY
  auto& s = shim::S(store);
  return s.tcp->check({shim::key_of(key)}) ? 1 : 0;
  SHIM_CATCH(-1)
}

int32_t ts_store_delete(ts_store store, const char* key) {
  SHIM_TRY
  auto& s = shim::S(store);
  return s.tcp->deleteKey(shim::key_of(key)) ? 1 : 0;
  SHIM_CATCH(-1)
}

// ---- process groups ------------------------------------------------------------------------

ts_process_group ts_process_group_new(ts_store store, const char* group_name, int32_t backend,
                                      int32_t rank, int32_t world_size, int64_t timeout_ms,
                                      const char* device_host, int32_t verify_shapes) {
  SHIM_TRY
  auto& s = shim::S(store);
  TORCH_CHECK_VALUE(group_name != nullptr && group_name[0] != '\0', "process group name is null or empty");
  TORCH_CHECK_VALUE(backend == TS_BACKEND_GLOO || backend == TS_BACKEND_NCCL, "unknown backend code ", backend,
                    " (0 gloo, 1 nccl)");
  TORCH_CHECK_VALUE(world_size >= 1, "world size must be at least 1, got ", world_size);
  TORCH_CHECK_VALUE(rank >= 0 && rank < world_size, "rank ", rank, " is outside the world of size ", world_size,
                    " (ranks are 0..", world_size - 1, ")");
  auto timeout = shim::millis(timeout_ms);
  auto pg = std::make_unique<shim::ProcessGroup>();
  pg->kind = backend;
  pg->rank = rank;
  pg->size = world_size;
  pg->name = group_name;
  pg->verify_shapes = verify_shapes != 0;
  // The group talks to the store over its own connection: a rendezvous that times out can leave
  // a late reply on it (see wait_for_key), and the caller's connection must stay usable.
  c10d::TCPStoreOptions client;
  client.port = s.port;
  client.isServer = false;
  client.waitWorkers = false;
  client.timeout = timeout;
  try {
    auto connection = c10::make_intrusive<c10d::TCPStore>(s.host, client);
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>(pg->name, connection);
    if (backend == TS_BACKEND_GLOO) {
#ifdef USE_C10D_GLOO
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(shim::gloo_device(device_host));
      auto gloo = c10::make_intrusive<shim::AbortableGloo>(prefixed, rank, world_size, options);
      pg->gloo = gloo.get();
      pg->backend = gloo;
#else
      TORCH_CHECK_VALUE(false, "the gloo backend is not available: the shim was built without Gloo's headers "
                               "(install libgloo-dev and rebuild the shim)");
#endif
    } else {
#ifdef USE_C10D_NCCL
      // Blocking wait makes a timed-out NCCL collective throw in the waiting thread (and abort its
      // communicator) instead of leaving the decision to the watchdog, which tears the process down.
      setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
      setenv("NCCL_BLOCKING_WAIT", "1", 0);
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank, world_size, options);
      pg->nccl = nccl.get();
      pg->backend = nccl;
#else
      TORCH_CHECK_VALUE(false, "the nccl backend is not available: this shim was built against a libtorch without "
                               "CUDA/NCCL (rebuild it against a CUDA PyTorch install, see src/Torch/native/CMakeLists.txt)");
#endif
    }
  } catch (const c10::ValueError&) {
    throw;
  } catch (const std::exception& e) {
    TORCH_CHECK(false, "joining ", shim::backend_name(backend), " group '", pg->name, "' as rank ", rank, " of ",
                world_size, " failed (every rank must join within ", timeout_ms, " ms): ", shim::message_of(e));
  }
  return reinterpret_cast<ts_process_group>(pg.release());
  SHIM_CATCH(nullptr)
}

void ts_process_group_free(ts_process_group pg) {
  // Destroying a Gloo group joins its worker threads; a failure there must not escape.
  try {
    delete reinterpret_cast<shim::ProcessGroup*>(pg);
  } catch (...) {
  }
}

int32_t ts_process_group_abort(ts_process_group handle) {
  SHIM_TRY
  TORCH_CHECK(handle != nullptr, "process group handle is null (disposed or never created)");
  auto& pg = *reinterpret_cast<shim::ProcessGroup*>(handle);
  if (pg.aborted.exchange(true)) return 0;
  std::ostringstream reason;
  reason << "process group '" << pg.name << "' was aborted on rank " << pg.rank;
#ifdef USE_C10D_GLOO
  if (pg.gloo != nullptr && !pg.gloo->fail_connections(reason.str())) return 1;
#endif
#ifdef USE_C10D_NCCL
  if (pg.nccl != nullptr) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2)
    pg.nccl->abort();
#else
    TORCH_CHECK(false, "aborting an NCCL group needs libtorch >= 2.2; this one is ", TORCH_VERSION,
                " (pending collectives end at the group's timeout)");
#endif
  }
#endif
  return 0;
  SHIM_CATCH(-1)
}

// ---- collectives ---------------------------------------------------------------------------

ts_work ts_all_reduce(ts_process_group handle, const ts_tensor* tensors, int32_t count, int32_t op) {
  SHIM_TRY
  auto& pg = shim::PG(handle);
  TORCH_CHECK_VALUE(count >= 1, "all_reduce needs at least one tensor, got ", count);
  auto list = shim::tensor_list(tensors, count);
  shim::Call call;
  call.operation = shim::kAllReduce;
  call.reduce = op;
  call.tensors = list;
  shim::reduce_op(op, false);  // rejects an unknown code on this rank before any exchange
  call.local_error = shim::check_bucket(list, op);
  shim::agree(pg, call);

  const bool native_avg = pg.kind == TS_BACKEND_NCCL;
  const bool divide = op == TS_COLLECTIVE_AVG && !native_avg;
  const bool direct = list.size() == 1 && list[0].is_contiguous();
  // A bucket (or a strided tensor) travels as one contiguous buffer and is copied back after.
  at::Tensor buffer;
  if (direct) {
    buffer = list[0];
  } else {
    std::vector<at::Tensor> flat;
    for (const auto& t : list) flat.push_back(t.reshape({-1}));
    buffer = at::cat(flat);
  }
  std::vector<at::Tensor> inputs{buffer};
  c10d::AllreduceOptions options;
  options.reduceOp = shim::reduce_op(op, native_avg);
  auto work = pg.backend->allreduce(inputs, options);
  auto* result = reinterpret_cast<shim::Work*>(shim::wrap_work(work, pg.describe("all_reduce")));
  result->inputs = inputs;
  const int64_t world = pg.size;
  result->finish = [buffer, list, divide, direct, world]() mutable {
    if (divide) buffer.div_(world);
    if (direct) return;
    int64_t offset = 0;
    for (auto& t : list) {
      t.copy_(buffer.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  };
  return reinterpret_cast<ts_work>(result);
  SHIM_CATCH(nullptr)
}

ts_work ts_broadcast(ts_process_group handle, ts_tensor tensor, int32_t root) {
  SHIM_TRY
  auto& pg = shim::PG(handle);
  auto& target = T(tensor);
  shim::Call call;
  call.operation = shim::kBroadcast;
  call.root = root;
  call.tensors = {target};
  if (root < 0 || root >= pg.size) {
    call.local_error = "broadcast root " + std::to_string(root) + " is outside the world of size " +
                       std::to_string(pg.size);
  }
  shim::agree(pg, call);
  const bool direct = target.is_contiguous();
  auto buffer = direct ? target : target.contiguous();
  std::vector<at::Tensor> inputs{buffer};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  auto work = pg.backend->broadcast(inputs, options);
  auto* result = reinterpret_cast<shim::Work*>(shim::wrap_work(work, pg.describe("broadcast")));
  result->inputs = inputs;
  if (!direct) result->finish = [target, buffer]() mutable { target.copy_(buffer); };
  return reinterpret_cast<ts_work>(result);
  SHIM_CATCH(nullptr)
}

ts_work ts_all_gather(ts_process_group handle, ts_tensor input, ts_tensor* outputs, int32_t capacity) {
  SHIM_TRY
  auto& pg = shim::PG(handle);
  auto source = T(input).contiguous();
  TORCH_CHECK_VALUE(outputs != nullptr, "all_gather output array is null");
  TORCH_CHECK_VALUE(capacity >= pg.size, "all_gather output array holds ", capacity,
                    " handles; the world has ", pg.size, " ranks");
  shim::Call call;
  call.operation = shim::kAllGather;
  call.tensors = {source};
  shim::agree(pg, call);
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int32_t r = 0; r < pg.size; ++r) gathered[0].push_back(at::empty_like(source));
  std::vector<at::Tensor> inputs{source};
  auto work = pg.backend->allgather(gathered, inputs);
  auto* result = reinterpret_cast<shim::Work*>(shim::wrap_work(work, pg.describe("all_gather")));
  result->inputs = inputs;
  result->outputs = gathered;
  for (int32_t r = 0; r < pg.size; ++r) outputs[r] = shim::wrap(gathered[0][static_cast<size_t>(r)]);
  return reinterpret_cast<ts_work>(result);
  SHIM_CATCH(nullptr)
}

ts_work ts_barrier(ts_process_group handle) {
  SHIM_TRY
  auto& pg = shim::PG(handle);
  shim::Call call;
  call.operation = shim::kBarrier;
  shim::agree(pg, call);
  auto work = pg.backend->barrier(c10d::BarrierOptions());
  return shim::wrap_work(work, pg.describe("barrier"));
  SHIM_CATCH(nullptr)
}

int32_t ts_work_wait(ts_work handle, int64_t timeout_ms) {
  SHIM_TRY
  auto& work = shim::W(handle);
  try {
    if (timeout_ms < 0) {
      work.work->wait();
    } else {
      work.work->wait(std::chrono::milliseconds(timeout_ms));
    }
  } catch (const std::exception& e) {
    if (timeout_ms >= 0 && !work.work->isCompleted()) return 0;
    TORCH_CHECK(false, work.what, " failed: ", shim::message_of(e));
  }
  std::lock_guard<std::mutex> lock(work.mutex);
  if (!work.finished) {
    work.finished = true;
    if (work.finish) work.finish();
  }
  return 1;
  SHIM_CATCH(-1)
}

int32_t ts_work_is_completed(ts_work handle) {
  SHIM_TRY
  return shim::W(handle).work->isCompleted() ? 1 : 0;
  SHIM_CATCH(-1)
}

void ts_work_free(ts_work work) { delete reinterpret_cast<shim::Work*>(work); }

}  // extern "C"
