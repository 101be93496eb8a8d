using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CompassPS.LocalServer.Store;

/// <summary>
/// Encrypts connection credentials at rest with AES-256-GCM. With a data folder the key lives next to the database
/// (credentials.key, created on first start), so a copied database alone does not reveal them; in memory the key
/// lives only as long as the process.
/// </summary>
public sealed class CredentialProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public CredentialProtector(string? dataDirectory)
    {
        if (dataDirectory is null)
        {
            _key = RandomNumberGenerator.GetBytes(32);
            return;
        }
        var path = Path.Combine(dataDirectory, "credentials.key");
        if (File.Exists(path))
        {
            _key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (_key.Length != 32) throw new InvalidDataException($"{path} does not hold a 256-bit key.");
            return;
        }
        _key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(dataDirectory);
        File.WriteAllText(path, Convert.ToBase64String(_key));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public string Protect(JsonObject credentials)
    {
        var plain = Encoding.UTF8.GetBytes(credentials.ToJsonString());
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        return Convert.ToBase64String(sealedBytes);
    }

    public JsonObject Unprotect(string? protectedText)
    {
        if (string.IsNullOrEmpty(protectedText)) return [];
        var sealedBytes = Convert.FromBase64String(protectedText);
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain);
        return JsonNode.Parse(plain) as JsonObject ?? [];
    }
}
