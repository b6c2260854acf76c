// Complex tensors as pairs of real ones. The evaluator knows only real float64 tensors, so after binding, a program
// that reads complex data is rewritten into one that does not: a complex input X becomes two real inputs re(X) and
// im(X), and a diagonal view of X (Program::views) the same view of each, diag(re(X),0,0) and diag(im(X),0,0),
// read through the parts' readers; an einsum of complex operands distributes into real einsums of their parts with signs
// ((a + ib)(c + id) = ac - bd + i(ad + bc)); sums and products likewise; a complex output E becomes two real
// outputs re(E) and im(E), which the CLI writes side by side into one complex dataset. The planner then expands,
// shares and fuses the real einsums like any others.
#pragma once

#include <map>
#include <string>

#include "engine/expr/build.hpp"
#include "engine/expr/program.hpp"

namespace tilesum::expr {

enum class Part { real, imag };

// "re(X)", "im(X)": the names of a complex tensor's parts, as `tilesum plan` prints them.
std::string part_name(const std::string& name, Part part);

struct PartOf {
    std::string name;  // the complex input or output of the script
    Part part;
    friend bool operator==(const PartOf&, const PartOf&) = default;
};

struct SplitProgram {
    Program program;  // every tensor real
    // Inputs and outputs of `program` that are parts of a complex input or output, by their names ("re(X)").
    std::map<std::string, PartOf> input_parts;
    std::map<std::string, PartOf> output_parts;
    // The script's complex outputs, by name, with their dtype (complex64 or complex128).
    std::map<std::string, DType> complex_outputs;
};

// (real + imag i) * operand, numpy's array times a Python complex (2j * X): a sum of one term with a complex
// coefficient, of complex_scalar_dtype, which split_complex below turns into real sums.
NodePtr make_complex_scaled(double real, double imag, const Operand& operand, std::optional<SourceSpan> span);

// Rewrites `program` as above. A program without complex tensors comes back unchanged: the same nodes, so the same
// plans and the same bits. The parts of a complex64 tensor are float32, of a complex128 one float64, except the
// input parts, which keep the stored complex dtype: the planner sizes chunk caches by the bytes stored.
SplitProgram split_complex(const Program& program);

}  // namespace tilesum::expr
