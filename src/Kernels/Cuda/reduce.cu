// Sum and max over a set of axes (CudaBackend.Reduce.cs). The host splits x's axes into kept ones (`rows`, in their
// order: output row r is flat index r over them) and reduced ones (`cols`); element (r, c) of the reduction lives at
// ect_offset(rows, r) + ect_offset(cols, c). Two kernels:
//  * reduce_blocks: a block per (row, chunk of columns), warp-shuffle block reduction; for long rows. With more than
//    one chunk per row it writes partial results [rows, chunks] and the host runs it again over those.
//  * reduce_threads: a thread per row, a serial loop over the columns; for many short rows (e.g. a bias gradient's
//    sum over the batch), where neighbouring threads read neighbouring addresses.
// Max propagates NaN as the CPU does; the summation order differs from the CPU's (tolerance in the parity checks).
#include "ect_prelude.cuh"

enum ReduceOp { Sum, Max };

template <typename T> ECT_FN T reduce_init(int op) { return op == Sum ? (T)0 : ect_neg_inf<T>(); }
template <typename T> ECT_FN T reduce_step(int op, T acc, T v) { return op == Sum ? acc + v : ect_max(acc, v); }

template <typename T> ECT_FN void reduce_blocks(const T* __restrict__ x, EctStrided rows, EctStrided cols,
    T* __restrict__ out, ect_i64 rowCount, ect_i64 colCount, int chunks, int op)
{
    __shared__ T scratch[32];
    const ect_i64 chunkLength = (colCount + chunks - 1) / chunks;
    for (ect_i64 item = blockIdx.x; item < rowCount * chunks; item += gridDim.x)
    {
        const ect_i64 row = item / chunks, begin = (item % chunks) * chunkLength;
        const ect_i64 end = begin + chunkLength < colCount ? begin + chunkLength : colCount;
        const ect_i64 base = ect_offset(rows, row);
        T acc = reduce_init<T>(op);
        for (ect_i64 c = begin + threadIdx.x; c < end; c += blockDim.x) acc = reduce_step(op, acc, x[base + ect_offset(cols, c)]);
        acc = op == Sum ? ect_block_sum(acc, scratch) : ect_block_max(acc, scratch);
        if (threadIdx.x == 0) out[item] = acc;
    }
}
ECT_KERNEL void reduce_blocks_f32(const float* x, EctStrided rows, EctStrided cols, float* out, ect_i64 rowCount, ect_i64 colCount, int chunks, int op)
{ reduce_blocks(x, rows, cols, out, rowCount, colCount, chunks, op); }
ECT_KERNEL void reduce_blocks_f64(const double* x, EctStrided rows, EctStrided cols, double* out, ect_i64 rowCount, ect_i64 colCount, int chunks, int op)
{ reduce_blocks(x, rows, cols, out, rowCount, colCount, chunks, op); }

template <typename T> ECT_FN void reduce_threads(const T* __restrict__ x, EctStrided rows, EctStrided cols,
    T* __restrict__ out, ect_i64 rowCount, ect_i64 colCount, int op)
{
    ECT_GRID_LOOP(row, rowCount)
    {
        const ect_i64 base = ect_offset(rows, row);
        T acc = reduce_init<T>(op);
        for (ect_i64 c = 0; c < colCount; c++) acc = reduce_step(op, acc, x[base + ect_offset(cols, c)]);
        out[row] = acc;
    }
}
ECT_KERNEL void reduce_threads_f32(const float* x, EctStrided rows, EctStrided cols, float* out, ect_i64 rowCount, ect_i64 colCount, int op)
{ reduce_threads(x, rows, cols, out, rowCount, colCount, op); }
ECT_KERNEL void reduce_threads_f64(const double* x, EctStrided rows, EctStrided cols, double* out, ect_i64 rowCount, ect_i64 colCount, int op)
{ reduce_threads(x, rows, cols, out, rowCount, colCount, op); }
