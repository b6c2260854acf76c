// For the numpy oracle (tests/e2e/test_paths_vs_numpy.py): reads one einsum per line,
//   SUBSCRIPTS<TAB>label=extent,label=extent,...
// and prints the chosen path in numpy's linear format, its flops in numpy's convention and the planning time:
//   0,1;0,1<TAB>FLOPS<TAB>MICROSECONDS
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>

#include "engine/expr/subscripts.hpp"
#include "engine/plan/contraction_path.hpp"

int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        const auto tab = line.find('\t');
        const std::string subscripts = line.substr(0, tab);
        std::map<char, tilesum::Extent> extents;
        std::istringstream pairs(line.substr(tab + 1));
        std::string pair;
        while (std::getline(pairs, pair, ',')) extents[pair[0]] = std::stoll(pair.substr(2));
        const tilesum::expr::Subscripts parsed =
            tilesum::expr::parse_subscripts(subscripts, tilesum::SourceSpan{0, subscripts.size()});
        const auto start = std::chrono::steady_clock::now();
        const tilesum::eval::ContractionPath path = tilesum::plan::choose_path(parsed.inputs, parsed.output, extents);
        const double microseconds =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
        const tilesum::plan::PathCost cost = tilesum::plan::path_cost(parsed.inputs, parsed.output, extents, path);
        std::string text;
        for (const auto& [first, second] : path) {
            if (!text.empty()) text += ';';
            text += std::to_string(first);
            text += ',';
            text += std::to_string(second);
        }
        std::cout << text << '\t' << cost.flops << '\t' << microseconds << '\n';
    }
}
