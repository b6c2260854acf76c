// A seeded generator of random scripts: einsums with random subscripts over random inputs, sums with
// broadcasting, elementwise products, scalings and named intermediates read by several statements; with
// `Functions::mixed`, numpy's elementwise functions between them too (issue 13).
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::testing {

struct RandomScript {
    std::string text;
    std::map<std::string, Shape> inputs;
    std::map<char, Extent> extents;
};

// Whether scripts hold elementwise functions. Without them a seed draws the script it always drew (the plans of
// that corpus are compared across compilers: tests/plans).
enum class Functions { none, mixed };

class ScriptGenerator {
public:
    explicit ScriptGenerator(unsigned seed, Functions functions = Functions::none)
        : rng_(seed), functions_(functions == Functions::mixed) {}

    RandomScript generate() {
        script_ = RandomScript{};
        statements_.clear();
        named_.clear();
        input_labels_.clear();
        next_name_ = 0;
        const std::string letters = "abcdefg";
        for (char label : letters) script_.extents[label] = uniform(1, 5);
        const int outputs = uniform(1, 3);
        for (int output = 0; output < outputs; ++output) {
            std::string labels = random_labels(letters, uniform(0, 3));
            std::string value = expression(labels, 3);  // may add statements for named intermediates first
            statements_ += "OUT" + std::to_string(output) + " = " + value + "\n";
        }
        script_.text = statements_;
        return script_;
    }

private:
    int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
    bool chance(double probability) { return std::bernoulli_distribution(probability)(rng_); }

    std::string random_labels(std::string pool, int count) {
        std::shuffle(pool.begin(), pool.end(), rng_);
        return pool.substr(0, static_cast<std::size_t>(std::min<int>(count, static_cast<int>(pool.size()))));
    }

    std::string number() {
        static const char* numbers[] = {"2", "0.5", "-1.5", "3e-1", "1.25", "4"};
        return numbers[uniform(0, 5)];
    }

    // An input with exactly these labels: reused when one exists (repeated operands), else a new one.
    std::string input_with(const std::string& labels) {
        for (const auto& [name, shape] : script_.inputs)
            if (input_labels_[name] == labels && chance(0.5)) return name;
        std::string name = "In" + std::to_string(script_.inputs.size());
        Shape shape;
        for (char label : labels) shape.push_back(script_.extents[label]);
        script_.inputs[name] = shape;
        input_labels_[name] = labels;
        return name;
    }

    // An expression whose axes are exactly `labels`, in that order. Each draw from the generator is a statement of
    // its own: the operands of `+` are unsequenced, and g++ and clang evaluate them in different orders, which
    // made the same seed two different scripts (and the plans compared across compilers different).
    std::string expression(const std::string& labels, int depth) {
        const int choice = depth <= 0 ? 0 : uniform(0, functions_ ? 12 : 9);
        if (choice >= 10) return function(labels, depth);
        if (choice <= 1) return input_with(labels);
        if (choice <= 4) return einsum(labels, depth);
        if (choice == 5) {  // a sum with numpy broadcasting: the right side may have only the last axes
            std::string suffix = labels.substr(static_cast<std::size_t>(uniform(0, static_cast<int>(labels.size()))));
            const char* op = chance(0.5) ? " + " : " - ";
            const std::string left = expression(labels, depth - 1);
            const std::string right = expression(suffix, depth - 1);
            return "(" + left + op + right + ")";
        }
        if (choice == 6) {
            std::string suffix = labels.substr(static_cast<std::size_t>(uniform(0, static_cast<int>(labels.size()))));
            const std::string left = expression(labels, depth - 1);
            const std::string right = expression(suffix, depth - 1);
            return "(" + left + " * " + right + ")";
        }
        if (choice == 7) {
            switch (uniform(0, 2)) {
                case 0: {
                    const std::string factor = number();
                    return factor + " * " + expression(labels, depth - 1);
                }
                case 1: {
                    const std::string dividend = expression(labels, depth - 1);
                    return "(" + dividend + " / " + number() + ")";
                }
                default: return "(-" + expression(labels, depth - 1) + ")";
            }
        }
        // A named intermediate, sometimes read twice.
        const std::string& key = labels;
        if (named_.count(key) && chance(0.6)) return named_[key];
        std::string name = std::string("T").append(std::to_string(next_name_++));  // append(): GCC bug 105329
        std::string value = expression(labels, depth - 1);
        statements_ += name + " = " + value + "\n";
        named_[key] = name;
        return name;
    }

    // The axes `labels` may be broadcast against: its last ones (numpy aligns axes from the right).
    std::string suffix_of(const std::string& labels) {
        return labels.substr(static_cast<std::size_t>(uniform(0, static_cast<int>(labels.size()))));
    }

    // An expression over `labels`, in parentheses: an argument of a function or an operator.
    std::string operand(const std::string& labels, int depth) {
        const std::string inner = expression(labels, depth);
        return std::string("(").append(inner).append(")");  // append(): GCC bug 105329
    }

    // An elementwise function of expressions whose axes are `labels` (the second argument of a binary one may
    // broadcast). Inputs are standard normal and einsums sum few products, so arguments stay small; what could
    // overflow or leave the domain is bounded first (exp of a tanh, log and sqrt of maximum(abs(...), c), fractional
    // and negative powers of bases at least 0.5; `X + 1` is not in the language), so the tiled and the naive answers
    // agree to rounding.
    std::string function(const std::string& labels, int depth) {
        static const char* comparisons[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
        const std::string np = chance(0.5) ? "np." : "";
        const int choice = uniform(0, 15);
        // One argument over `labels`, drawn here so that no expression below draws twice (unsequenced).
        auto unary = [&](const char* before, const char* after) {
            const std::string argument = operand(labels, depth - 1);
            return join(np, before, argument, after);
        };
        switch (choice) {
            case 0: return unary("exp(np.tanh", ")");
            case 1: return unary("exp(-", " ** 2)");
            case 2: return unary("log(np.maximum(abs", ", 1e-3))");
            case 3: return unary("sqrt(np.maximum(np.abs", ", 0.5))");
            case 4: return unary("tanh", "");
            case 5: {
                const std::string name = chance(0.5) ? "maximum(" : "minimum(";
                const std::string left = expression(labels, depth - 1);
                const std::string right = chance(0.3) ? number() : expression(suffix_of(labels), depth - 1);
                return join(np, name, left, ", ", right, ")");
            }
            case 6: {  // a comparison, 0 or 1 as a float (a bool would be refused under `-` or in a float sum), or a mask
                const std::string left = operand(labels, depth - 1);
                const std::string right = chance(0.3) ? number() : operand(suffix_of(labels), depth - 1);
                std::string compared = join("(", left, comparisons[uniform(0, 5)], right, ")");
                if (chance(0.5)) return join("(", compared, " * 1.0)");
                const std::string masked = operand(labels, depth - 1);
                return join("(", compared, " * ", masked, ")");
            }
            case 7: {
                const std::string tested = operand(labels, depth - 1);
                const std::string condition = join(tested, comparisons[uniform(0, 3)], "0");
                const std::string chosen = expression(suffix_of(labels), depth - 1);
                const std::string other = chance(0.3) ? number() : expression(labels, depth - 1);
                return join("np.where(", condition, ", ", chosen, ", ", other, ")");
            }
            case 8: {  // integer powers, by multiplication
                static const char* exponents[] = {"2", "3", "1", "0", "4"};
                const std::string base = operand(labels, depth - 1);
                return join("(", base, " ** ", exponents[uniform(0, 4)], ")");
            }
            case 9: {  // fractional and negative powers of a positive base
                static const char* exponents[] = {"0.5", "-1", "1.5", "-0.5", "2.5", "-2", "0.25"};
                const std::string argument = operand(labels, depth - 1);
                const std::string base = join("np.maximum(abs", argument, ", 1)");
                const char* exponent = exponents[uniform(0, 6)];
                if (chance(0.5)) return join("(", base, " ** ", exponent, ")");
                return join(np, "power(", base, ", ", exponent, ")");
            }
            case 10: return unary("abs", "");
            case 11: return unary("sign", "");
            case 12: {  // an array exponent: a positive base to a bounded power, or a number to an array
                if (chance(0.2)) {
                    const std::string power = operand(labels, depth - 1);
                    return join("(2 ** np.tanh", power, ")");
                }
                const std::string argument = operand(labels, depth - 1);
                const std::string base = join("np.maximum(abs", argument, ", 0.5)");
                const std::string bounded = operand(suffix_of(labels), depth - 1);
                const std::string exponent = join("np.tanh", bounded);
                if (chance(0.5)) return join("(", base, " ** ", exponent, ")");
                return join("np.power(", base, ", ", exponent, ")");
            }
            case 13: return unary("log1p(abs", ")");
            case 14: return unary("expm1(np.tanh", ")");
            default: return chance(0.5) ? unary("sin", "") : unary("cos", "");
        }
    }

    template <typename... Parts>
    static std::string join(const Parts&... parts) {
        std::string text;
        (text.append(parts), ...);
        return text;
    }

    std::string einsum(const std::string& output, int depth) {
        std::string pool = "abcdefg";
        std::string contracted;
        for (char label : random_labels(pool, 7))
            if (output.find(label) == std::string::npos && contracted.size() < 2) contracted += label;
        const std::string all =
            output + contracted.substr(0, static_cast<std::size_t>(uniform(0, static_cast<int>(contracted.size()))));
        const int operand_count = uniform(1, 3);
        std::vector<std::string> operand_labels(static_cast<std::size_t>(operand_count));
        for (char label : all) {  // every label appears in at least one operand, maybe more
            for (auto& labels : operand_labels)
                if (chance(0.4)) labels += label;
            auto& owner = operand_labels[static_cast<std::size_t>(uniform(0, operand_count - 1))];
            if (owner.find(label) == std::string::npos) owner += label;
        }
        std::string subscripts, operands;
        for (std::size_t position = 0; position < operand_labels.size(); ++position) {
            std::string& labels = operand_labels[position];
            std::shuffle(labels.begin(), labels.end(), rng_);
            subscripts += (position ? ", " : "") + labels;
            operands += ", " + expression(labels, depth - 1);
        }
        const char* spelling = chance(0.5) ? "einsum" : "np.einsum";
        return std::string(spelling) + "('" + subscripts + " -> " + output + "'" + operands + ")";
    }

    std::mt19937 rng_;
    bool functions_ = false;
    RandomScript script_;
    std::string statements_;
    std::map<std::string, std::string> named_;
    std::map<std::string, std::string> input_labels_;
    int next_name_ = 0;
};

}  // namespace tilesum::testing
