using CodeGen.Training.Distributed;

namespace CodeGen.Training.Tests.Lora;

/// <summary>
/// A data-parallel job of <c>size</c> workers inside one process (one thread each), standing in for MPI: the
/// collectives meet at a shared barrier and read each other's buffers. Every worker computes the mean in rank order,
/// so all of them hold the same bits afterwards, as an allreduce gives.
/// </summary>
internal sealed class InProcessWorkers
{
    private readonly Barrier _barrier;
    private readonly float[]?[] _buffers;
    private readonly ulong[] _values;

    public InProcessWorkers(int size)
    {
        _barrier = new Barrier(size);
        _buffers = new float[size][];
        _values = new ulong[size];
        Workers = [.. Enumerable.Range(0, size).Select(rank => new Worker(this, rank))];
    }

    public IReadOnlyList<IDataParallel> Workers { get; }

    /// <summary>How many AverageInPlace calls each worker made.</summary>
    public int[] AverageCalls => [.. Workers.Cast<Worker>().Select(w => w.AverageCalls)];

    /// <summary>Runs <paramref name="body"/> on every worker's own thread and rethrows the first failure.</summary>
    public T[] Run<T>(Func<IDataParallel, T> body)
    {
        var results = new T[Workers.Count];
        var errors = new Exception?[Workers.Count];
        Thread[] threads = [.. Workers.Select((worker, rank) => new Thread(() =>
        {
            try
            {
                results[rank] = body(worker);
            }
            catch (Exception e)
            {
                errors[rank] = e;
                _barrier.RemoveParticipant(); // the others must not wait for this one
            }
        }, maxStackSize: 16 << 20))];
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();
        if (errors.FirstOrDefault(e => e is not null) is Exception error) throw new AggregateException(error.Message, errors.OfType<Exception>());
        return results;
    }

    private sealed class Worker(InProcessWorkers job, int rank) : IDataParallel
    {
        public int Rank => rank;

        public int Size => job._buffers.Length;

        public int AverageCalls { get; private set; }

        public void AverageInPlace(float[] buffer)
        {
            AverageCalls++;
            job._buffers[rank] = (float[])buffer.Clone();
            job._barrier.SignalAndWait();
            for (int i = 0; i < buffer.Length; i++)
            {
                float sum = 0;
                foreach (float[]? other in job._buffers) sum += other![i];
                buffer[i] = sum / Size;
            }
            job._barrier.SignalAndWait(); // nobody overwrites a buffer before every worker has read them all
        }

        public bool AllEqual(ulong value)
        {
            job._values[rank] = value;
            job._barrier.SignalAndWait();
            bool equal = job._values.All(v => v == job._values[0]);
            job._barrier.SignalAndWait();
            return equal;
        }

        public void Barrier() => job._barrier.SignalAndWait();

        public void Dispose()
        {
        }
    }
}
