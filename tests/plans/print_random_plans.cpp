// Prints the plans of the random script corpus (tests/unit/random_script.hpp: 240 scripts, four planning variants
// each) as JSON, one after another. Built by every compiler CI uses: `make plans-agree` compares the g++ build's
// output with the clang build's, which must be identical (issue 11: plans may not depend on the compiler, as they
// did when planner.cpp read a moved-from plan in an unspecified argument order).
#include <iostream>

#include "engine/common/error.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/plan/plan_json.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/parser.hpp"
#include "tests/unit/plan_variants.hpp"
#include "tests/unit/random_script.hpp"

using namespace tilesum;

int main() {
    const unsigned scripts = 240;
    for (unsigned seed = 1; seed <= scripts; ++seed) {
        testing::ScriptGenerator generator(seed);
        const testing::RandomScript random = generator.generate();
        const expr::Program program = script::bind(script::parse_script(random.text), [&](const expr::InputUse& use) {
            return expr::InputSpec{random.inputs.at(use.name), DType::f64};
        });
        const std::vector<plan::PlanOptions> variants = testing::plan_variants(random, program, seed);
        for (std::size_t variant = 0; variant < variants.size(); ++variant) {
            std::cout << "# seed " << seed << ", variant " << variant << "\n";
            try {
                const expr::SplitProgram split = expr::split_complex(program);
                std::cout << plan::plan_to_json(plan::to_data(plan::make_plan(split.program, variants[variant]), split))
                          << "\n";
            } catch (const Error& error) {
                std::cout << "error " << error_kind_name(error.kind()) << ": " << error.what() << "\n";
            }
        }
    }
    return 0;
}
