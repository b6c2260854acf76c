// Reading a JSON document that a person may have edited: each value knows where it is ("execution.outputs[0].root")
// and every mistake is Error{usage} naming the file and that key. nlohmann's own exceptions never escape.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/common/shape.hpp"

namespace tilesum::plan {

// A value of the document and where it is ("execution.outputs[0].tiling"), for messages that name the key.
class Field {
public:
    Field(const nlohmann::json& value, std::string where, const std::string& source)
        : value_(value), where_(std::move(where)), source_(source) {}

    [[noreturn]] void fail_here(const std::string& what) const {
        fail(ErrorKind::usage, "plan file '" + source_ + "': " + (where_.empty() ? "" : where_ + ": ") + what);
    }
    Field operator[](const char* key) const {
        if (!value_.is_object()) fail_here("expected an object");
        auto it = value_.find(key);
        const std::string path = where_.empty() ? key : where_ + "." + key;
        if (it == value_.end()) Field(value_, path, source_).fail_here("missing");
        return {*it, path, source_};
    }
    std::vector<Field> items() const {
        if (!value_.is_array()) fail_here("expected an array");
        std::vector<Field> items;
        for (std::size_t index = 0; index < value_.size(); ++index)
            items.emplace_back(value_[index], where_ + "[" + std::to_string(index) + "]", source_);
        return items;
    }
    std::vector<std::pair<std::string, Field>> members() const {
        if (!value_.is_object()) fail_here("expected an object");
        std::vector<std::pair<std::string, Field>> members;
        for (const auto& [key, value] : value_.items())
            members.emplace_back(key, Field(value, where_ + "." + key, source_));
        return members;
    }
    bool has(const char* key) const { return value_.is_object() && value_.contains(key); }
    bool is_null() const { return value_.is_null(); }

    std::uint64_t unsigned_number() const {
        if (!value_.is_number_unsigned() && !(value_.is_number_integer() && value_.get<std::int64_t>() >= 0))
            fail_here("expected a non-negative integer, not " + value_.dump());
        return value_.get<std::uint64_t>();
    }
    Extent extent() const {
        const std::uint64_t value = unsigned_number();
        if (value > static_cast<std::uint64_t>(std::numeric_limits<Extent>::max())) fail_here("out of range");
        return static_cast<Extent>(value);
    }
    int positive_int() const {
        const std::uint64_t value = unsigned_number();
        if (value < 1 || value > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
            fail_here("expected a positive integer, not " + value_.dump());
        return static_cast<int>(value);
    }
    double number() const {
        if (value_.is_number()) return value_.get<double>();
        if (value_ == "inf") return std::numeric_limits<double>::infinity();
        if (value_ == "-inf") return -std::numeric_limits<double>::infinity();
        if (value_ == "nan") return std::numeric_limits<double>::quiet_NaN();
        fail_here("expected a number, not " + value_.dump());
    }
    std::string string() const {
        if (!value_.is_string()) fail_here("expected a string, not " + value_.dump());
        return value_.get<std::string>();
    }
    bool boolean() const {
        if (!value_.is_boolean()) fail_here("expected true or false, not " + value_.dump());
        return value_.get<bool>();
    }
    Shape shape() const {
        Shape shape;
        for (const Field& item : items()) shape.push_back(item.extent());
        return shape;
    }
    std::vector<Extent> integers() const {  // signed
        std::vector<Extent> values;
        for (const Field& item : items()) {
            if (!item.value_.is_number_integer()) item.fail_here("expected an integer, not " + item.value_.dump());
            values.push_back(item.value_.get<Extent>());
        }
        return values;
    }
    std::vector<std::size_t> indices() const {
        std::vector<std::size_t> indices;
        for (const Field& item : items()) indices.push_back(static_cast<std::size_t>(item.unsigned_number()));
        return indices;
    }
    std::vector<std::string> strings() const {
        std::vector<std::string> strings;
        for (const Field& item : items()) strings.push_back(item.string());
        return strings;
    }
    std::vector<double> numbers() const {
        std::vector<double> numbers;
        for (const Field& item : items()) numbers.push_back(item.number());
        return numbers;
    }
    template <class Enum, std::size_t N>
    Enum one_of(const std::pair<const char*, Enum> (&choices)[N]) const {
        const std::string text = string();
        std::string known;
        for (const auto& [name, value] : choices) {
            if (text == name) return value;
            known += (known.empty() ? "" : ", ") + std::string(name);
        }
        fail_here("'" + text + "' is none of " + known);
    }

private:
    const nlohmann::json& value_;
    std::string where_;
    const std::string& source_;
};

}  // namespace tilesum::plan
