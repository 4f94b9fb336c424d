// A TLS front for the reference server, with a private certificate authority, for the Kotlin
// and Swift tests of the pin check (`cargo xtask test kotlin` / `swift`). `weprotect serve`
// speaks plain HTTP on loopback; this accepts TLS on another loopback port with a certificate
// for 127.0.0.1 issued by a CA made for the run (keytool, by xtask), and passes the bytes on.
// Run as a single-file program: java TlsFront.java KEYSTORE PASSWORD UPSTREAM_PORT READY_FILE
// It writes READY_FILE (endpoint and the leaf's SPKI pin) once it listens, and serves until
// its standard input closes. Test-only: nothing in the product trusts this CA unless a test
// passes it to SyncEngine.withExtraRoots.
import java.io.*;
import java.net.*;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import javax.net.ssl.*;

public class TlsFront {
    public static void main(String[] args) throws Exception {
        char[] password = args[1].toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[0])) {
            keys.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        int upstream = Integer.parseInt(args[2]);
        SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory()
            .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        X509Certificate leaf = (X509Certificate) keys.getCertificate("leaf");
        byte[] spki = MessageDigest.getInstance("SHA-256").digest(leaf.getPublicKey().getEncoded());
        StringBuilder pin = new StringBuilder();
        for (byte b : spki) pin.append(String.format("%02x", b));
        Path ready = Paths.get(args[3]);
        Path partial = Paths.get(args[3] + ".part");
        Files.writeString(partial, "endpoint=https://127.0.0.1:" + server.getLocalPort() + "\npin=" + pin + "\n");
        Files.move(partial, ready, StandardCopyOption.ATOMIC_MOVE);
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket client = server.accept();
                    Socket up = new Socket(InetAddress.getLoopbackAddress(), upstream);
                    pump(client, up);
                    pump(up, client);
                } catch (IOException e) {
                    if (server.isClosed()) return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        while (System.in.read() != -1) { }
        server.close();
    }

    /** Copies from one socket to the other until either side closes (a failed handshake too). */
    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // The other side closed, or the handshake was refused.
            } finally {
                try { from.close(); } catch (IOException e) { }
                try { to.close(); } catch (IOException e) { }
            }
        });
        t.setDaemon(true);
        t.start();
    }
}
