namespace Cluster.Torch.Modules;

/// <summary>A lookup table of <c>embedding_dim</c>-vectors indexed by integer ids (torch.nn.Embedding).</summary>
public class Embedding : Module<Tensor, Tensor>
{
    /// <param name="padding_idx">A row that starts at zero and receives no gradient; negative counts from the end.</param>
    public Embedding(long num_embeddings, long embedding_dim, long? padding_idx = null)
    {
        if (padding_idx is { } index)
        {
            if (index >= num_embeddings || index < -num_embeddings)
                throw new ArgumentOutOfRangeException(nameof(padding_idx), index, $"padding_idx must be within num_embeddings ({num_embeddings})");
            this.padding_idx = index < 0 ? index + num_embeddings : index;
        }
        this.num_embeddings = num_embeddings;
        this.embedding_dim = embedding_dim;
        using (var data = torch.empty(num_embeddings, embedding_dim))
        {
            data.normal_();
            if (this.padding_idx is { } row)
                using (var padding = data.select(0, row)) padding.zero_();
            weight = new Parameter(data);
        }
        RegisterComponents();
    }

    public long num_embeddings { get; }
    public long embedding_dim { get; }

    /// <summary>The padding row, already made non-negative.</summary>
    public long? padding_idx { get; }

    /// <summary>[num_embeddings, embedding_dim]</summary>
    public Parameter weight { get; private set; }

    /// <summary>Ids of any shape → [..., embedding_dim].</summary>
    public override Tensor forward(Tensor input) => torch.nn.functional.embedding(input, weight, padding_idx);
}
