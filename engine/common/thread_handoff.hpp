// Tells ThreadSanitizer about synchronization it cannot see. TBB's library is not built with -fsanitize=thread,
// so when a pipeline hands a tile from one stage to the next, or a serial stage runs on another thread than its
// previous call, the atomics that order them are invisible and every access to the tile looks like a race. A
// HandoffScope around each stage body, on an address the pipeline's stages share, restores what TBB guarantees:
// whatever a stage call did before it returned happens before any stage call that starts later. Races between
// stage calls that really overlap (two parallel calls touching the same memory) are still reported.
// Without -fsanitize=thread it compiles to nothing.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define TILESUM_TSAN_HANDOFF 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TILESUM_TSAN_HANDOFF 1
#endif
#endif

#ifdef TILESUM_TSAN_HANDOFF
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace tilesum {

// What a thread did before release(address) happens before what a thread does after a later acquire(address).
inline void handoff_release([[maybe_unused]] const void* address) {
#ifdef TILESUM_TSAN_HANDOFF
    __tsan_release(const_cast<void*>(address));
#endif
}

inline void handoff_acquire([[maybe_unused]] const void* address) {
#ifdef TILESUM_TSAN_HANDOFF
    __tsan_acquire(const_cast<void*>(address));
#endif
}

// Acquire on entry, release on exit (also when the body throws).
class HandoffScope {
public:
    explicit HandoffScope(const void* address) : address_(address) { handoff_acquire(address_); }
    ~HandoffScope() { handoff_release(address_); }
    HandoffScope(const HandoffScope&) = delete;
    HandoffScope& operator=(const HandoffScope&) = delete;

private:
    const void* address_;
};

// Around a whole pipeline run on the calling thread: release on entry, so the stages see what the caller set up,
// and acquire on exit (also when a stage threw), so the caller sees what the stages did.
class HandoffToStages {
public:
    explicit HandoffToStages(const void* address) : address_(address) { handoff_release(address_); }
    ~HandoffToStages() { handoff_acquire(address_); }
    HandoffToStages(const HandoffToStages&) = delete;
    HandoffToStages& operator=(const HandoffToStages&) = delete;

private:
    const void* address_;
};

}  // namespace tilesum
