#include "engine/plan/chunk_cache_budget.hpp"

#include <string>

#include "engine/common/bytes.hpp"
#include "engine/plan/chunk_cache.hpp"

namespace tilesum::plan {

namespace {

// Chunk caches may take up to this share of what the pieces leave; the tiles keep the rest.
constexpr std::size_t cache_share_numerator = 3, cache_share_denominator = 4;
// Tile sizes decide the caches and the caches shrink the tiles' budget: re-planned at most this many times.
constexpr int max_cache_rounds = 3;

Plan settle(Plan plan, const ChunkCaches& caches) {
    plan.chunk_cache_wanted_bytes = chunk_caches_wanted(plan);
    plan.chunk_cache_bytes = caches.bytes;
    plan.chunk_cache_total_bytes = caches.total_bytes;
    return plan;
}

}  // namespace

Fit<Plan> plan_with_chunk_caches(const expr::Program& program, std::size_t budget_bytes, std::size_t piece_bytes,
                                 const ChunkCacheTraits& traits, const TilePlanner& plan_tiles) {
    const std::size_t after_pieces = budget_bytes - piece_bytes;
    const std::size_t cache_limit = after_pieces / cache_share_denominator * cache_share_numerator;
    std::size_t reserved = 0;
    for (int round = 0; round <= max_cache_rounds; ++round) {
        Fit<Plan> plan = plan_tiles(reserved);
        if (!plan.fits()) {
            if (reserved == 0) return plan;  // the tiles do not fit even with no cache reserved
            break;
        }
        const ChunkCaches caches = fit_chunk_caches(chunk_caches_wanted(plan.value()), cache_limit, traits);
        if (caches.total_bytes <= reserved) return settle(std::move(plan.value()), caches);
        if (caches.total_bytes >= after_pieces) break;
        reserved = caches.total_bytes;
    }
    std::size_t chunked_inputs = 0;
    for (const expr::NamedNode& input : program.inputs) chunked_inputs += !input.node->chunk_shape.empty();
    const std::size_t defaults = chunked_inputs * traits.default_bytes;
    if (defaults >= after_pieces) {
        std::string message = "memory budget ";
        message.append(format_bytes(static_cast<double>(budget_bytes)))
            .append(" is too small: HDF5's default chunk caches of ")
            .append(std::to_string(chunked_inputs))
            .append(" chunked input(s) take ")
            .append(format_bytes(static_cast<double>(defaults)))
            .append(" of it; give --memory well above ")
            .append(format_size_option(defaults + piece_bytes));
        return NoFit{message};
    }
    Fit<Plan> plan = plan_tiles(defaults);
    if (!plan.fits()) return plan;
    // Computed before the call: in settle(std::move(plan), ...(plan)) the order of argument evaluation is
    // unspecified, and g++ and clang did read `plan` on different sides of its move.
    const ChunkCaches caches = fit_chunk_caches(chunk_caches_wanted(plan.value()), 0, traits);
    return settle(std::move(plan.value()), caches);
}

}  // namespace tilesum::plan
