// A caching CPU allocator: freed blocks are kept for the next allocation of the same size class instead of going back
// to the kernel.
//
// Why: libtorch's CPU allocator is posix_memalign/free, and glibc serves large blocks with mmap and gives them back
// with munmap on free, so every activation of every training step lands on fresh pages: one page fault (and a page of
// zeroing in the kernel) per 4 KiB. A TF-GridNetV2 CPU step spends about a quarter of its time there. A training step
// allocates the same sizes every step, so after the first step nearly every allocation is a cache hit. This is what
// PyTorch's CUDA caching allocator does for device memory, for host memory.
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "shim_internal.h"

// PyTorch 2.3 made Allocator::allocate non-const and added the pure virtual copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define SHIM_ALLOCATE_CONST
#define SHIM_ALLOCATOR_HAS_COPY_DATA 1
#else
#define SHIM_ALLOCATE_CONST const
#define SHIM_ALLOCATOR_HAS_COPY_DATA 0
#endif

namespace shim {
namespace {

// Below this, glibc serves blocks from its heap without page faults in steady state; caching them would only add
// a lock and a map lookup to the many small allocations of a step.
constexpr size_t kSmallestCachedBytes = 64 * 1024;

// Rounds up to one of 8 classes per power of two (at most 12.5 % more than asked): shapes that vary a little from
// step to step (bucketed utterance lengths) still find a cached block, and little memory goes unused.
size_t size_class(size_t bytes) {
  const int top_bit = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes));
  const size_t step = size_t{1} << (top_bit - 3);
  return (bytes + step - 1) & ~(step - 1);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) SHIM_ALLOCATE_CONST override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (bytes < kSmallestCachedBytes) {
      void* data = c10::alloc_cpu(bytes);
      return {data, data, &c10::free_cpu, cpu};
    }
    void* data = take(size_class(bytes));
    return {data, data, &release, cpu};
  }

#if SHIM_ALLOCATOR_HAS_COPY_DATA
  void copy_data(void* destination, const void* source, std::size_t count) const override {
    default_copy_data(destination, source, count);
  }
#endif

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void configure(int64_t max_cached_bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      max_cached_bytes_ = static_cast<size_t>(max_cached_bytes);
    }
    release_cached_above(static_cast<size_t>(max_cached_bytes));
  }

  void empty() const { release_cached_above(0); }

  void stats(int64_t* out) const {
    std::lock_guard<std::mutex> lock(mutex_);
    out[0] = static_cast<int64_t>(cached_bytes_);
    out[1] = hits_;
    out[2] = misses_;
    out[3] = static_cast<int64_t>(max_cached_bytes_);
  }

 private:
  void* take(size_t rounded) const {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto cached = free_blocks_.find(rounded);
      if (cached != free_blocks_.end()) {
        void* block = cached->second;
        free_blocks_.erase(cached);
        cached_bytes_ -= rounded;
        in_use_.emplace(block, rounded);
        hits_++;
        return block;
      }
      misses_++;
    }
    void* block;
    try {
      block = c10::alloc_cpu(rounded);
    } catch (const c10::Error&) {
      // Out of memory with blocks of other sizes held: give them back and try once more, as the CUDA allocator does.
      empty();
      block = c10::alloc_cpu(rounded);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_.emplace(block, rounded);
    return block;
  }

  static void release(void* block);

  void give_back(void* block) const {
    size_t rounded = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto owned = in_use_.find(block);
      if (owned != in_use_.end()) {
        rounded = owned->second;
        in_use_.erase(owned);
        if (cached_bytes_ + rounded <= max_cached_bytes_) {
          free_blocks_.emplace(rounded, block);
          cached_bytes_ += rounded;
          return;
        }
      }
    }
    // Blocks the cache has no room for (and small ones handed to raw_deleter) go straight back.
    c10::free_cpu(block);
  }

  // Largest blocks first: they hold the most memory per entry. Freed outside the lock.
  void release_cached_above(size_t limit) const {
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (cached_bytes_ > limit && !free_blocks_.empty()) {
        auto largest = std::prev(free_blocks_.end());
        cached_bytes_ -= largest->first;
        evicted.push_back(largest->second);
        free_blocks_.erase(largest);
      }
    }
    for (void* block : evicted) c10::free_cpu(block);
  }

  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> free_blocks_;        // size class -> cached block
  mutable std::unordered_map<void*, size_t> in_use_;       // block handed out -> its size class
  mutable size_t cached_bytes_ = 0;
  size_t max_cached_bytes_ = 0;
  mutable int64_t hits_ = 0, misses_ = 0;
};

// Never destroyed: tensors freed during process exit (static destructors, other threads) still call release.
CachingCpuAllocator& instance() {
  static auto* allocator = new CachingCpuAllocator();
  return *allocator;
}

void CachingCpuAllocator::release(void* block) {
  if (block != nullptr) instance().give_back(block);
}

std::once_flag installed;

}  // namespace
}  // namespace shim

using namespace shim;

int32_t ts_cpu_cache_configure(int64_t max_cached_bytes) {
  SHIM_TRY
  TORCH_CHECK(max_cached_bytes >= 0, "the CPU cache limit must be at least 0 bytes, got ", max_cached_bytes);
  // Higher than the default allocator's priority (0), so libtorch's registration order cannot undo it. Tensors
  // allocated before keep their own deleter and are freed as before.
  std::call_once(installed, [] { c10::SetCPUAllocator(&instance(), /*priority=*/1); });
  instance().configure(max_cached_bytes);
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_cpu_cache_empty(void) {
  SHIM_TRY
  instance().empty();
  return 0;
  SHIM_CATCH(-1)
}

int32_t ts_cpu_cache_stats(int64_t* out, int32_t capacity) {
  SHIM_TRY
  TORCH_CHECK(out != nullptr && capacity >= 4, "ts_cpu_cache_stats needs room for 4 values, got ", capacity);
  instance().stats(out);
  return 4;
  SHIM_CATCH(-1)
}
