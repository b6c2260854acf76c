#include "engine/plan/exact_path.hpp"

#include <algorithm>
#include <limits>
#include <span>

namespace tilesum::plan::paths {

namespace {

// --- Exact search -------------------------------------------------------------------------------------------
//
// Dynamic programming over subsets of operands, as in opt_einsum's `dp` (after Pfeifer, Haegeman and Verstraete
// 2014, "Faster identification of optimal contraction sequences for tensor networks"): the best tree for a
// subset combines the best trees of its two parts, whose results' labels depend only on the parts. Unlike
// opt_einsum we do not skip outer products, so that the result is exactly optimal (numpy's 'optimal' considers
// them too), and the whole 3^n split enumeration stays affordable up to 16 operands.
//
// Peak bytes compose too, for a path that evaluates each subtree contiguously. Let in(S) be the bytes of the
// inputs in subset S and out(S) the bytes of its result. Evaluating the part L first, then R, then the step:
//   peak(S) = max(peak(L) + in(R), out(L) + peak(R), out(L) + out(R) + out(S))
// (while L runs, R's inputs still wait; while R runs, L's result waits), and the other order swaps L and R; we
// take the better one. Since peak(S) and flops(S) never decrease when a part's do, keeping for each subset every
// (flops, peak) pair that no other pair beats on both (its Pareto front) is exact. The front is bounded: with no
// memory limit only its lexicographic minimum (flops, then peak) is kept, which is exact for that goal; with a
// limit, pairs above the limit are dropped (a tree never peaks below its parts), the extremes (fewest flops, fewest
// peak bytes) are always kept and the middle is thinned beyond `front_capacity` entries.

constexpr std::size_t front_capacity = 8;

struct Entry {
    double flops = 0;
    double peak = 0;
    Subset first = 0;  // the part evaluated first (0 for a single operand); the other part is the rest
    std::uint8_t first_entry = 0, second_entry = 0;  // which entries of the parts' fronts
};

// A subset's front, sorted by increasing flops (so decreasing peak), in a fixed slot of `capacity` + 1 entries.
class Front {
public:
    Front(Entry* entries, std::uint8_t* count) : entries_(entries), count_(count) {}
    std::span<Entry> entries() const { return {entries_, *count_}; }

    // Whether a candidate with at least these flops and peak bytes could enter.
    bool could_enter(double flops, double peak, double limit, std::size_t capacity) const {
        const std::span<Entry> front = entries();
        if (front.empty()) return true;
        if (capacity == 1) return flops < front[0].flops || (flops == front[0].flops && peak < front[0].peak);
        if (front.back().peak > limit)  // nothing fits yet: a fitting candidate or a smaller peak enters
            return peak <= limit || peak < front[0].peak || (peak == front[0].peak && flops < front[0].flops);
        if (peak > limit) return false;
        for (const Entry& entry : front)
            if (entry.flops <= flops && entry.peak <= peak) return false;
        return true;
    }

    void insert(const Entry& candidate, double limit, std::size_t capacity) {
        std::span<Entry> front = entries();
        if (front.empty()) {
            entries_[(*count_)++] = candidate;
            return;
        }
        if (capacity == 1) {  // lexicographic: fewest flops, then fewest peak bytes
            if (candidate.flops < front[0].flops ||
                (candidate.flops == front[0].flops && candidate.peak < front[0].peak))
                front[0] = candidate;
            return;
        }
        const bool front_fits = front.back().peak <= limit;
        if (candidate.peak > limit) {  // matters only while nothing fits: then keep the smallest peak alone
            if (!front_fits && (candidate.peak < front[0].peak ||
                                (candidate.peak == front[0].peak && candidate.flops < front[0].flops)))
                front[0] = candidate;
            return;
        }
        if (!front_fits) {
            front[0] = candidate;
            return;
        }
        for (const Entry& entry : front)
            if (entry.flops <= candidate.flops && entry.peak <= candidate.peak) return;
        std::size_t kept = 0;
        for (const Entry& entry : front)
            if (!(candidate.flops <= entry.flops && candidate.peak <= entry.peak)) entries_[kept++] = entry;
        std::size_t position = kept;
        while (position > 0 && entries_[position - 1].flops > candidate.flops) {
            entries_[position] = entries_[position - 1];
            --position;
        }
        entries_[position] = candidate;
        ++kept;
        if (kept > capacity) {
            // Thin the middle: drop the interior entry whose neighbours are closest in flops, keeping both ends.
            std::size_t dropped = 1;
            double closest = std::numeric_limits<double>::infinity();
            for (std::size_t index = 1; index + 1 < kept; ++index) {
                const double ratio = entries_[index + 1].flops / std::max(entries_[index - 1].flops, 1.0);
                if (ratio < closest) {
                    closest = ratio;
                    dropped = index;
                }
            }
            std::copy(entries_ + dropped + 1, entries_ + kept, entries_ + dropped);
            --kept;
        }
        *count_ = static_cast<std::uint8_t>(kept);
    }

private:
    Entry* entries_;
    std::uint8_t* count_;
};

// One step of a contraction tree: the two subsets of operands whose results it joins.
struct Join {
    Subset first = 0, second = 0;
};

// The order of a tree's steps with the smallest peak, in numpy's linear format. The search above assumed each
// subtree is evaluated in one go, but interleaving can do better: starting a subtree with a step that frees more
// than it makes (a reduction) before another subtree's large intermediate exists lowers the peak (the
// non-postorder traversals of Liu 1987, "An application of generalized tree pebbling to sparse matrix
// factorization"). With at most 15 steps a search over the sets of steps done (each step after its children,
// 2^15 states) finds the best order exactly; the live bytes of a set do not depend on the order that reached it.
eval::ContractionPath best_order(const std::vector<Join>& joins, std::size_t operand_count, double input_bytes,
                                 const std::vector<double>& result_bytes) {
    const std::size_t step_count = joins.size();
    std::vector<std::uint32_t> needs(step_count, 0);  // the steps that make each step's operands
    for (std::size_t step = 0; step < step_count; ++step)
        for (std::size_t child = 0; child < step; ++child) {
            const Subset made = joins[child].first | joins[child].second;
            if (made == joins[step].first || made == joins[step].second) needs[step] |= std::uint32_t{1} << child;
        }
    const std::size_t states = std::size_t{1} << step_count;
    std::vector<double> peak(states, std::numeric_limits<double>::infinity()), live(states, 0);
    std::vector<std::uint8_t> last_step(states, 0);
    peak[0] = live[0] = input_bytes;
    for (std::size_t done = 0; done + 1 < states; ++done) {
        if (peak[done] == std::numeric_limits<double>::infinity()) continue;
        for (std::size_t step = 0; step < step_count; ++step) {
            if ((done >> step & 1) || (done & needs[step]) != needs[step]) continue;
            const Join& join = joins[step];
            const double made = result_bytes[join.first | join.second];
            const std::size_t next = done | std::size_t{1} << step;
            const double next_peak = std::max(peak[done], live[done] + made);
            live[next] = live[done] + made - result_bytes[join.first] - result_bytes[join.second];
            if (next_peak < peak[next]) {
                peak[next] = next_peak;
                last_step[next] = static_cast<std::uint8_t>(step);
            }
        }
    }
    std::vector<std::size_t> order;
    for (std::size_t done = states - 1; done; done &= ~(std::size_t{1} << last_step[done]))
        order.push_back(last_step[done]);
    std::reverse(order.begin(), order.end());

    // numpy's linear format: the list starts as the operands; each step appends its result.
    eval::ContractionPath path;
    std::vector<Subset> items;
    for (std::size_t operand = 0; operand < operand_count; ++operand) items.push_back(Subset{1} << operand);
    auto position_of = [&](Subset subset) {
        return static_cast<std::size_t>(std::find(items.begin(), items.end(), subset) - items.begin());
    };
    for (std::size_t step : order) {
        const std::size_t first = position_of(joins[step].first), second = position_of(joins[step].second);
        path.emplace_back(std::min(first, second), std::max(first, second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(path.back().second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(path.back().first));
        items.push_back(joins[step].first | joins[step].second);
    }
    return path;
}

}  // namespace

eval::ContractionPath exact_path(const Problem& problem, double limit) {
    const std::size_t count = problem.operands.size();
    const std::size_t capacity = limit == std::numeric_limits<double>::infinity() ? 1 : front_capacity;
    const Subset all = static_cast<Subset>((std::size_t{1} << count) - 1);
    const std::size_t subsets = std::size_t{all} + 1;

    // Per subset: the labels of its operands, the labels its result keeps (those also needed outside it or in the
    // output; a single operand keeps all of its own), its input bytes and its result bytes.
    std::vector<LabelMask> labels_in(subsets, 0), result_labels(subsets, 0);
    std::vector<double> input_bytes(subsets, 0), result_bytes(subsets, 0);
    for (Subset subset = 1; subset <= all; ++subset) {
        const LabelMask lowest = problem.operands[static_cast<std::size_t>(std::countr_zero(subset))];
        labels_in[subset] = labels_in[subset & (subset - 1)] | lowest;
        input_bytes[subset] = input_bytes[subset & (subset - 1)] + problem.bytes(lowest);
    }
    for (Subset subset = 1; subset <= all; ++subset) {
        result_labels[subset] = std::has_single_bit(subset)
                                    ? labels_in[subset]
                                    : labels_in[subset] & (labels_in[all & ~subset] | problem.output);
        result_bytes[subset] = problem.bytes(result_labels[subset]);
    }

    // One more entry per slot than the front keeps: an insertion holds it until the thinning drops one.
    const std::size_t slot_size = capacity + 1;
    std::vector<Entry> slots(subsets * slot_size);
    std::vector<std::uint8_t> sizes(subsets, 0);
    auto front_of = [&](Subset subset) { return Front(&slots[subset * slot_size], &sizes[subset]); };
    // Every pair of the parts' entries, each evaluated in its better order, offered to the subset's front.
    auto join_fronts = [&](Front& front, Subset left, Subset right, double step, double final_step) {
        const std::span<Entry> left_front = front_of(left).entries(), right_front = front_of(right).entries();
        for (std::size_t left_index = 0; left_index < left_front.size(); ++left_index)
            for (std::size_t right_index = 0; right_index < right_front.size(); ++right_index) {
                const Entry& left_entry = left_front[left_index];
                const Entry& right_entry = right_front[right_index];
                const double left_first =
                    std::max(left_entry.peak + input_bytes[right], result_bytes[left] + right_entry.peak);
                const double right_first =
                    std::max(right_entry.peak + input_bytes[left], result_bytes[right] + left_entry.peak);
                const bool left_goes_first = left_first <= right_first;
                Entry candidate;
                candidate.flops = left_entry.flops + right_entry.flops + step;
                candidate.peak = std::max(std::min(left_first, right_first), final_step);
                candidate.first = left_goes_first ? left : right;
                candidate.first_entry = static_cast<std::uint8_t>(left_goes_first ? left_index : right_index);
                candidate.second_entry = static_cast<std::uint8_t>(left_goes_first ? right_index : left_index);
                front.insert(candidate, limit, capacity);
            }
    };
    // Each front's fewest flops and fewest peak bytes, kept apart from the slots: most splits are rejected on
    // these alone, without touching the parts' fronts.
    // What the split loop reads of a part, in one cache line (the loop is memory bound at 16 operands).
    struct Part {
        double fewest_flops = 0, fewest_peak = 0, result_bytes = 0;
        LabelMask result_labels = 0;
    };
    std::vector<Part> parts(subsets);
    for (Subset subset = 1; subset <= all; ++subset)
        parts[subset] = Part{0, input_bytes[subset], result_bytes[subset], result_labels[subset]};
    for (std::size_t operand = 0; operand < count; ++operand) {
        const Subset single = Subset{1} << operand;
        front_of(single).insert(Entry{0, input_bytes[single], 0, 0, 0}, limit, capacity);
    }

    for (Subset subset = 1; subset <= all; ++subset) {
        if (std::has_single_bit(subset)) continue;
        Front front = front_of(subset);
        const LabelMask result = result_labels[subset];
        const double subset_bytes = result_bytes[subset];
        // Each unordered split once: the left part holds the subset's lowest operand, plus any proper part of the rest.
        const Subset lowest = subset & (~subset + 1), rest = subset ^ lowest;
        for (Subset part = (rest - 1) & rest;; part = (part - 1) & rest) {
            const Subset left = lowest | part, right = rest ^ part;
            // The fewest flops and peak bytes any tree of this split can have (a tree never peaks below a part, nor
            // below its last step): skip the split when they cannot enter, first without the step's own cost.
            const Part& left_part = parts[left];
            const Part& right_part = parts[right];
            const double parts_flops = left_part.fewest_flops + right_part.fewest_flops;
            const double parts_peak = std::max(left_part.fewest_peak, right_part.fewest_peak);
            const double final_step = left_part.result_bytes + right_part.result_bytes + subset_bytes;
            if (front.could_enter(parts_flops, std::max(parts_peak, final_step), limit, capacity)) {
                const double step = problem.step_flops(left_part.result_labels, right_part.result_labels, result);
                if (front.could_enter(parts_flops + step, std::max(parts_peak, final_step), limit, capacity))
                    join_fronts(front, left, right, step, final_step);
            }
            if (part == 0) break;
        }
        parts[subset].fewest_flops = front.entries().front().flops;
        parts[subset].fewest_peak = front.entries().back().peak;
    }

    // The whole set's front holds, first, the fewest flops among trees that fit (or the smallest peak when none
    // does). Its steps, children before parents:
    std::vector<Join> joins;
    auto collect = [&](auto&& self, Subset subset, std::size_t entry_index) -> void {
        if (std::has_single_bit(subset)) return;
        const Entry entry = front_of(subset).entries()[entry_index];
        self(self, entry.first, entry.first_entry);
        self(self, subset ^ entry.first, entry.second_entry);
        joins.push_back(Join{entry.first, subset ^ entry.first});
    };
    collect(collect, all, 0);
    return best_order(joins, count, input_bytes[all], result_bytes);
}

}  // namespace tilesum::plan::paths
