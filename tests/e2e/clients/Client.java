// A client of Java's resolvers, compiled by test_client_matrix.py with javac.
//
// Usage: java -cp DIR Client OP NAME
//   host  InetAddress.getAllByName (the C library's getaddrinfo underneath; IPv4 results)
//   a | aaaa | srv  JNDI's DNS provider (com.sun.jndi.dns.DnsContextFactory, "dns:" URL: the
//                   servers of /etc/resolv.conf), getAttributes(NAME, {TYPE})
//
// Prints one status line, then one item per line (an address; for SRV "PORT TARGET", lower
// case, no final dot): OK | NXDOMAIN | NODATA | NOTFOUND | TEMPFAIL | TIMEOUT | ERROR text.
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.ServiceUnavailableException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

public class Client {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Client host|a|aaaa|srv NAME");
            System.exit(2);
        }
        String op = args[0], name = args[1];
        List<String> items = new ArrayList<>();
        try {
            if (op.equals("host")) {
                for (InetAddress address : InetAddress.getAllByName(name)) {
                    if (address instanceof Inet4Address) items.add(address.getHostAddress());
                }
            } else {
                String type = op.toUpperCase();
                Hashtable<String, String> env = new Hashtable<>();
                env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
                env.put(Context.PROVIDER_URL, "dns:");
                env.put("com.sun.jndi.dns.timeout.initial", "2000");
                env.put("com.sun.jndi.dns.timeout.retries", "2");
                DirContext context = new InitialDirContext(env);
                Attributes attributes = context.getAttributes(name, new String[] {type});
                Attribute attribute = attributes.get(type);
                if (attribute == null || attribute.size() == 0) {
                    System.out.println("NODATA");
                    return;
                }
                for (NamingEnumeration<?> e = attribute.getAll(); e.hasMore();) {
                    String value = e.next().toString();
                    if (type.equals("SRV")) {
                        String[] f = value.trim().split("\\s+"); // priority weight port target
                        String target = f[3].toLowerCase();
                        if (target.endsWith(".")) target = target.substring(0, target.length() - 1);
                        items.add(f[2] + " " + target);
                    } else {
                        items.add(value);
                    }
                }
            }
        } catch (UnknownHostException e) {
            String message = String.valueOf(e.getMessage());
            System.err.println("UnknownHostException: " + message);
            if (message.contains("Temporary failure")) System.out.println("TEMPFAIL");
            else if (message.contains("No address associated")) System.out.println("NODATA");
            else System.out.println("NOTFOUND");
            return;
        } catch (NameNotFoundException e) {
            System.err.println(e);
            System.out.println("NXDOMAIN");
            return;
        } catch (ServiceUnavailableException e) {
            System.err.println(e);
            System.out.println("TEMPFAIL");
            return;
        } catch (CommunicationException e) {
            System.err.println(e);
            System.out.println("TIMEOUT " + e);
            return;
        } catch (NamingException e) {
            System.err.println(e);
            System.out.println("ERROR " + e);
            return;
        }
        System.out.println("OK");
        for (String item : items) System.out.println(item);
    }
}
