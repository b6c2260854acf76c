// One bound input (sources.hpp): an opened file reader or borrowed memory, and what the planner knows of it.
#pragma once

#include <memory>
#include <string>

#include "engine/api/sources.hpp"
#include "engine/api/typed_memory.hpp"
#include "engine/exec/memory_tensor.hpp"
#include "io/input_reader.hpp"

namespace tilesum {

struct Sources::Source {
    std::string file;                              // empty for memory
    std::string dataset;                           // empty for .npy files and memory
    std::unique_ptr<io::InputReader> reader;       // files
    std::unique_ptr<exec::BorrowedTensor> memory;  // caller-owned values
    std::unique_ptr<TypedBorrowedTensor> typed;    // caller-owned values of another dtype than float64
    io::DatasetInfo memory_info;

    static std::unique_ptr<Source> open(const std::string& file, const std::string& dataset) {
        auto source = std::make_unique<Source>();
        source->reader = io::open_input(file, dataset);
        source->file = file;
        source->dataset = dataset;
        return source;
    }
    static std::unique_ptr<Source> borrow(const double* values, Shape shape) {
        auto source = std::make_unique<Source>();
        source->memory_info.shape = shape;
        source->memory = std::make_unique<exec::BorrowedTensor>(std::move(shape), values);
        return source;
    }

    static std::unique_ptr<Source> borrow(const std::string& name, const void* values, DType dtype, Shape shape) {
        auto source = std::make_unique<Source>();
        source->memory_info.shape = shape;
        source->memory_info.dtype = dtype;
        source->typed = std::make_unique<TypedBorrowedTensor>(name, std::move(shape), values, dtype);
        return source;
    }

    const io::DatasetInfo& info() const { return reader ? reader->info() : memory_info; }
    std::string describe() const { return reader ? reader->describe() : "the caller's memory"; }
    TensorReader& tensor_reader() const {
        if (reader) return *reader;
        return memory ? static_cast<TensorReader&>(*memory) : static_cast<TensorReader&>(*typed);
    }
};

}  // namespace tilesum
