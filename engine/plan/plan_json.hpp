// PlanData as JSON: the format `tilesum plan --json` writes (under the key "plan") and `tilesum run --plan` reads.
// plan_from_json(plan_to_json(p)) == p for every plan: numbers are written so that they read back to the same bits.
#pragma once

#include <string>

#include "engine/plan/plan_data.hpp"

namespace tilesum::plan {

// The document: {"format": "tilesum-plan", "version": 1, "expression": ..., "execution": ..., "report": ...}.
std::string plan_to_json(const PlanData& data);

// Reads a document plan_to_json wrote, or one that holds such a document under the key "plan" (the whole output of
// `tilesum plan --json`). `source` names the file in messages. Error{usage} naming the source and the key for
// malformed JSON, another format or version, a missing or mistyped key, and data that is not a consistent plan
// (an operand or root that is no node, a tiling that does not fit its root).
PlanData plan_from_json(const std::string& text, const std::string& source);

// The part of the plan that decides the bits of the result (the expression, contraction paths, tilings, pieces and
// passes in their order) without what only changes speed or memory (threads, tiles in flight, budget, caches,
// predictions): two runs whose plans agree here compute the same bits, so a journal of one resumes the other.
std::string computation_json(const PlanData& data);

}  // namespace tilesum::plan
