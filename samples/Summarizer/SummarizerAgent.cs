using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;
using Molecule.Workspace;

namespace Summarizer;

/// <summary>How long the summaries are (configuration section <c>Summarizer</c>).</summary>
public sealed class SummarizerOptions
{
    public int MaxSentences { get; set; } = 2;
}

/// <summary>
/// A deterministic agent, no model needed: "reverse: …" reverses the text; anything else, together with any text
/// files attached, is summarised by keeping the sentences whose words occur most often. It reports progress, streams
/// the summary, and attaches a data artifact with the numbers.
/// </summary>
public sealed class SummarizerAgent(IOptions<SummarizerOptions> options) : IAgent
{
    private static readonly char[] SentenceEnds = ['.', '!', '?'];

    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = request.Message.Text.Trim();
        if (text.StartsWith("reverse:", StringComparison.OrdinalIgnoreCase))
        {
            yield return new AgentText(new string(text[8..].Trim().Reverse().ToArray()));
            yield break;
        }

        if (text.StartsWith("summarize:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[10..].Trim();
        }

        foreach (var file in request.Message.Files.Where(f => f.Bytes is not null && f.MediaType?.StartsWith("text/", StringComparison.Ordinal) == true))
        {
            yield return new AgentProgress($"reading {file.Name ?? "an attached file"}");
            text += "\n" + Encoding.UTF8.GetString(file.Bytes!.Value.Span);
        }

        var sentences = text.Split(SentenceEnds, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (sentences.Length == 0)
        {
            yield return new AgentNeedsInput("What should I summarise?");
            yield break;
        }

        yield return new AgentProgress($"weighing {sentences.Length} sentence(s)");
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();

        var kept = Summarize(sentences, Math.Max(1, options.Value.MaxSentences));
        for (var i = 0; i < kept.Count; i++)
        {
            yield return new AgentText((i > 0 ? " " : "") + kept[i] + ".");
        }

        yield return AgentArtifact.Data(new Dictionary<string, object?>
        {
            ["sentences"] = sentences.Length,
            ["kept"] = kept.Count,
            ["words"] = sentences.Sum(s => Words(s).Length),
        }, "summary-stats");
    }

    /// <summary>The <paramref name="count"/> sentences with the highest average word frequency, in their original order.</summary>
    private static List<string> Summarize(string[] sentences, int count)
    {
        var frequency = sentences.SelectMany(Words).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        return sentences
            .Select((sentence, index) => (sentence, index, score: Words(sentence).Select(w => frequency[w]).DefaultIfEmpty(0).Average()))
            .OrderByDescending(s => s.score).ThenBy(s => s.index)
            .Take(count)
            .OrderBy(s => s.index)
            .Select(s => s.sentence)
            .ToList();
    }

    private static string[] Words(string sentence) =>
        sentence.ToLowerInvariant().Split([' ', ',', ';', ':', '\n', '\t', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 3).ToArray();
}
