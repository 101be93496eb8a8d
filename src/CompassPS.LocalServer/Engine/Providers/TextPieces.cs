namespace CompassPS.LocalServer.Engine.Providers;

/// <summary>Splits text for streaming and counts words, in single linear passes (answers can be very long).</summary>
public static class TextPieces
{
    private const int MaxPieceLength = 48;

    /// <summary>
    /// Pieces of one word each, with the whitespace that follows it (a long run without whitespace is cut in
    /// bounded chunks). Concatenating the pieces gives back the text exactly.
    /// </summary>
    public static IEnumerable<string> Split(string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = start;
            while (end < text.Length && char.IsWhiteSpace(text[end]))
            {
                end++; // leading whitespace belongs to the first piece
            }

            while (end < text.Length && !char.IsWhiteSpace(text[end]) && end - start < MaxPieceLength)
            {
                end++;
            }

            while (end < text.Length && char.IsWhiteSpace(text[end]))
            {
                end++;
            }

            yield return text.Substring(start, end - start);
            start = end;
        }
    }

    public static int CountWords(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var count = 0;
        var inWord = false;
        foreach (var character in text)
        {
            if (char.IsWhiteSpace(character))
            {
                inWord = false;
            }
            else if (!inWord)
            {
                inWord = true;
                count++;
            }
        }

        return count;
    }

    /// <summary>The first <paramref name="maxWords"/> words of the text (whitespace collapsed), with "…" when cut.</summary>
    public static string FirstWords(string text, int maxWords)
    {
        var words = new List<string>(maxWords);
        var start = -1;
        for (var index = 0; index <= text.Length && words.Count <= maxWords; index++)
        {
            var isSpace = index == text.Length || char.IsWhiteSpace(text[index]);
            if (isSpace && start >= 0)
            {
                words.Add(text[start..index]);
                start = -1;
            }
            else if (!isSpace && start < 0)
            {
                start = index;
            }
        }

        return words.Count > maxWords ? string.Join(' ', words.Take(maxWords)) + " …" : string.Join(' ', words);
    }
}
